/** Leader election: {@link LeaderLatch} and {@link LeaderSelector}, node-compatible with Apache Curator. */
export { LeaderLatch, LATCH_MARKER } from './leader-latch';
export { LeaderSelector, SELECTOR_MARKER } from './leader-selector';
export { LeadershipTimeoutError } from './errors';
export type {
  LeaderLatchOptions,
  LeaderLatchEvents,
  LeaderLatchListener,
  LeaderLatchCloseOptions,
  Leadership,
  LeaderSelectorOptions,
  LeaderSelectorEvents,
  SelectorLeadership,
} from './types';
