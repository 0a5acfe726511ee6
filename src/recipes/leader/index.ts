/** Leader election: {@link LeaderLatch} and {@link LeaderSelector}, node-compatible with Apache Curator. */
export {
  LeaderLatch,
  LATCH_MARKER,
  type LeaderLatchOptions,
  type LeaderLatchEvents,
  type LeaderLatchListener,
  type LeaderLatchCloseOptions,
  type Leadership,
} from './leader-latch';
export {
  LeaderSelector,
  SELECTOR_MARKER,
  type LeaderSelectorOptions,
  type LeaderSelectorEvents,
  type SelectorLeadership,
} from './leader-selector';
export { LeadershipTimeoutError } from './errors';
