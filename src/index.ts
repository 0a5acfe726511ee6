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
  LeadershipTimeoutError,
  type LeaderLatchOptions,
  type LeaderLatchEvents,
  type LeaderLatchListener,
  type LeaderLatchCloseOptions,
  type Leadership,
  LeaderSelector,
  SELECTOR_MARKER,
  type LeaderSelectorOptions,
  type LeaderSelectorEvents,
  type SelectorLeadership,
} from './recipes/leader';
export * from './recipes/membership';
export * from './recipes/naming';
