/**
 * Distributed queues on ZooKeeper, laid out as Apache Curator's: {@link DistributedQueue} (FIFO, lock-safe
 * at-least-once by default), {@link DistributedPriorityQueue}, {@link DistributedDelayQueue},
 * {@link SimpleDistributedQueue} (raw bytes, Curator- and ZooKeeper-recipe-compatible) and
 * {@link QueueConsumer}. Guarantees and limits: docs/queues.md.
 */
export { DistributedQueue, DistributedPriorityQueue, DistributedDelayQueue } from './distributed-queue';
export type { DistributedPriorityQueueOptions, DistributedDelayQueueOptions } from './distributed-queue';
export { SimpleDistributedQueue } from './simple-distributed-queue';
export { QueueConsumer } from './consumer';
export type { QueueHandler, QueueItemInfo, QueueConsumerEvents, FailureOutcome } from './consumer';
export type { QueueBase } from './queue-base';
export { MAX_ITEM_BYTES } from './codec';
export { QueueTimeoutError, ItemTooLargeError, ItemSerializationError, QueueEmptyError } from './errors';
export type { DistributedQueueOptions, ConsumeOptions, PutOptions, QueueMode } from './options';
export type { HandBack } from './queue-core';
