/** Recipe plumbing that is part of the public API (errors, policies, lifecycle states, participants). */
export { RecipeStateError, RecipeTimeoutError, HoldLostError, type LossReason, type TimeoutDetails } from './errors';
export type { Guard } from './guard';
export type { SafetyPolicy } from './hold-signal';
export type { Participant } from './participants';
export type { LifecycleState, LongLived, RecipeEvents } from './recipe';
export { jsonCodec, bufferCodec, type Codec } from './codec';
