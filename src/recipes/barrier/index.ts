/**
 * Barriers on ZooKeeper, laid out as Apache Curator's: {@link DistributedBarrier} (hold everyone until the
 * node goes) and {@link DoubleBarrier} (enter together, leave together). Guarantees and limits:
 * docs/barriers.md.
 */
export { DistributedBarrier } from './distributed-barrier';
export { DoubleBarrier } from './double-barrier';
export { BarrierTimeoutError } from './errors';
export type { DoubleBarrierOptions } from './options';
