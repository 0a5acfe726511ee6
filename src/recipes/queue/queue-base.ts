/** {@link QueueBase}: what the FIFO, priority and delay queues share — every way of taking items. */
import { Deadline } from '../../client/deadline';
import { AsyncQueue } from '../../client/async-queue';
import { isZkError } from '../../client/errors';
import type { WaitOptions } from '../../client/types';
import { validateWaitOptions } from '../../client/validate';
import { checkClient } from '../shared/check-client';
import type { Codec } from '../shared/codec';
import { decodeItem, encodeItem, MAX_ITEM_BYTES } from './codec';
import { QueueConsumer, RELEASE_ITEM, type QueueHandler } from './consumer';
import { ItemTooLargeError, queueTimeout } from './errors';
import type { ItemOrder } from './item-order';
import { resolveDistributedQueueOptions, resolvePutOptions, type ConsumeOptions, type DistributedQueueOptions, type PutOptions, type QueueMode } from './options';
import { QueueCore, type TakenItem } from './queue-core';

/** Base of {@link DistributedQueue}, {@link DistributedPriorityQueue} and {@link DistributedDelayQueue}. */
export abstract class QueueBase<T> implements AsyncIterable<T> {
  /** The queue's path (relative to the client's namespace). */
  readonly path: string;
  /** The delivery guarantee (see {@link QueueMode}). */
  readonly mode: QueueMode;
  /** @internal */
  readonly core: QueueCore;
  /** @internal */
  readonly codec: Codec<T>;

  /** Checks the arguments; does no I/O. */
  protected constructor(client: unknown, path: string, options: DistributedQueueOptions<T> | undefined, order: ItemOrder, recipeName: string) {
    checkClient(client, recipeName);
    const resolved = resolveDistributedQueueOptions(path, options, recipeName);
    this.path = path;
    this.mode = resolved.mode;
    this.codec = resolved.codec;
    this.core = new QueueCore(client, path, order, resolved.mode, resolved.lockPath, resolved, recipeName);
  }

  /**
   * Takes the first item, waiting for one (bounded by `timeoutMs` → {@link QueueTimeoutError}, `signal` →
   * `signal.reason`), and removes it from the queue. Lock-safe, the item is claimed first, so no other
   * consumer gets it meanwhile. An item that cannot be decoded is handed back (as a failed attempt) and the
   * take rejects with {@link ItemSerializationError}.
   */
  async take(options?: WaitOptions): Promise<T> {
    validateWaitOptions(options);
    const deadline = Deadline.from(options);
    const timeoutMs = options?.timeoutMs ?? Number.POSITIVE_INFINITY;
    const onTimeout = (): Error => queueTimeout(this.core.what, this.path, timeoutMs);
    try {
      return (await this.takeOne(deadline, onTimeout, true)) as T;
    } catch (error) {
      if (deadline.signal?.aborted) throw deadline.signal.reason;
      if (deadline.expired() && isZkError(error) && error.retriable) throw onTimeout();
      throw error;
    }
  }

  /** Takes the first item if there is one now (no waiting); resolves `null` when the queue is empty. */
  async poll(): Promise<T | null> {
    const taken = await this.takeOne(new Deadline(undefined), () => new Error('unreachable: no timeout'), false);
    return taken === undefined ? null : taken;
  }

  /** Items in the queue now (including items being handled by lock-safe consumers): one read. */
  size(): Promise<number> {
    return this.core.size();
  }

  /**
   * Hands items to `handler` until `signal` aborts (then in-flight handlers finish and their items are
   * acknowledged before the promise resolves). Lock-safe, an item is removed only after its handler
   * resolved; one that throws goes back to the tail with its attempt counted (or to the dead-letter path).
   * For events (`failed`, `error`), make a {@link QueueConsumer} yourself.
   */
  async consume(handler: QueueHandler<T>, options?: ConsumeOptions): Promise<void> {
    const consumer = new QueueConsumer(this, handler, options);
    await consumer.start();
    await consumer.finished;
  }

  /**
   * Items one by one, as `for await (const item of queue)`. Lock-safe, an item is acknowledged (removed) when
   * the loop asks for the next one; leaving the loop (`break`, `return`, a throw) gives the current item
   * back untouched, so it is delivered again. Use {@link QueueBase.consume} to count failed attempts.
   */
  [Symbol.asyncIterator](): AsyncIterator<T, undefined> {
    let current: { resolve: () => void; reject: (reason: unknown) => void } | undefined;
    const items: AsyncQueue<T> = new AsyncQueue<T>({
      onClose: () => {
        current?.reject(RELEASE_ITEM);
        current = undefined;
        void consumer.close();
      },
    });
    const consumer = new QueueConsumer<T>(this, (item) => new Promise<void>((resolve, reject) => {
      current = { resolve, reject };
      items.push(item);
    }));
    consumer.start().catch((error: unknown) => items.end(error));
    consumer.finished.catch((error: unknown) => items.end(error));
    return {
      next: () => {
        current?.resolve();
        current = undefined;
        return items.next();
      },
      return: () => items.return(),
    };
  }

  /** Encodes and writes one item of `rank` (fenced by `options.guard`, if given). */
  protected async putRanked(item: T, rank: number, options: PutOptions | undefined): Promise<void> {
    const guard = resolvePutOptions(options, this.core.what);
    await this.core.put(encodeItem(this.codec, item, this.core.what), rank, guard);
  }

  /** Encodes every item first (nothing is written if one fails), then writes them in one transaction. */
  protected async putManyRanked(items: readonly T[], rank: number, options: PutOptions | undefined): Promise<void> {
    const guard = resolvePutOptions(options, this.core.what);
    if (!Array.isArray(items)) throw new TypeError(`${this.core.what}: putMany() takes an array of items`);
    const encoded = items.map((item) => encodeItem(this.codec, item, this.core.what));
    // One request carries the whole transaction: it must fit where one item must.
    const total = encoded.reduce((sum, data) => sum + data.length, 0);
    if (total > MAX_ITEM_BYTES) throw new ItemTooLargeError(`${this.core.what} putMany()`, total, MAX_ITEM_BYTES);
    await this.core.putMany(encoded, rank, guard);
  }

  /** One take: claims (lock-safe) or removes the next item, decodes it, and, lock-safe, removes it. */
  private async takeOne(deadline: Deadline, onTimeout: () => Error, wait: boolean): Promise<T | undefined> {
    const taken: TakenItem | undefined = await this.core.next(deadline, onTimeout, wait);
    if (taken === undefined) return undefined;
    let value: T;
    try {
      value = decodeItem(this.codec, taken.data, this.core.what);
    } catch (error) {
      if (taken.claimPath !== undefined) await this.core.handBack(taken);
      throw error;
    }
    if (taken.claimPath !== undefined) await this.core.ack(taken);
    return value;
  }
}
