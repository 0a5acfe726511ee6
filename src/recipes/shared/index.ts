/** Recipe plumbing that is part of the public API (errors, policies, lifecycle states). */
export { RecipeStateError, RecipeTimeoutError } from './errors';
export type { SafetyPolicy, HoldLossReason } from './hold-signal';
export type { LifecycleState } from './lifecycle';
