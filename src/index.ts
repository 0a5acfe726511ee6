/**
 * zk-recipes: a typed, reconnecting ZooKeeper client and Curator-compatible recipes.
 *
 * @packageDocumentation
 */
export * from './client';
export * from './recipes/shared';
export * from './recipes/lock';
export {
  LeaderLatch,
  LATCH_MARKER,
  LeadershipLostError,
  LeadershipTimeoutError,
  type LeaderLatchOptions,
  type LeaderLatchEvents,
  type LeaderLatchListener,
  type LeaderLatchCloseOptions,
  type Leadership,
  type LeadershipLossReason,
  LeaderSelector,
  SELECTOR_MARKER,
  type LeaderSelectorOptions,
  type LeaderSelectorEvents,
  type SelectorLeadership,
  type Participant as LeaderParticipant,
} from './recipes/leader';
export * from './recipes/membership';
export * from './recipes/config';
