/** {@link SimpleDistributedQueue}: Curator's SimpleDistributedQueue (and ZooKeeper's queue recipe) for Node. */
import { Deadline } from '../../client/deadline';
import { isZkError } from '../../client/errors';
import { joinPath } from '../../client/paths';
import type { WaitOptions, ZooKeeperClient } from '../../client/types';
import { validateWaitOptions } from '../../client/validate';
import { checkClient } from '../shared/check-client';
import { bufferCodec } from '../shared/codec';
import { encodeItem } from './codec';
import { QueueEmptyError, queueTimeout } from './errors';
import { compareItems, simpleOrder, type ItemName } from './item-order';
import { checkQueuePath, resolvePutOptions, type PutOptions } from './options';
import { QueueCore } from './queue-core';

/**
 * A FIFO queue of raw bytes, data-compatible with Apache Curator's `SimpleDistributedQueue` and ZooKeeper's
 * own queue recipe: items are `<path>/qn-<seq10>` persistent-sequential nodes holding the bytes as they are,
 * so Java and Node producers and consumers can share a path. Taking removes the item before it is returned
 * (at-most-once: an item taken by a process that dies before handling it is lost); use
 * {@link DistributedQueue} for lock-safe consumption. A take costs one round trip (read and delete sent
 * together); the queue is listed once per batch of items, not per item.
 *
 * @example
 * ```ts
 * const queue = new SimpleDistributedQueue(client, '/queues/raw');
 * await queue.offer(Buffer.from('hello'));
 * const bytes = await queue.take({ timeoutMs: 5_000 });
 * ```
 */
export class SimpleDistributedQueue {
  /** The queue's path (relative to the client's namespace). */
  readonly path: string;
  private readonly core: QueueCore;

  /** Checks the arguments; does no I/O. */
  constructor(client: ZooKeeperClient, path: string) {
    checkClient(client, 'SimpleDistributedQueue');
    checkQueuePath(path);
    this.path = path;
    this.core = new QueueCore(client, path, simpleOrder, 'at-most-once', path, { maxAttempts: Number.POSITIVE_INFINITY, deadLetterPath: undefined }, 'SimpleDistributedQueue');
  }

  /**
   * Adds `data` at the tail (one create; offers made together share one transaction). Rejects with
   * ItemTooLargeError before writing anything; with `options.guard`, with a {@link HoldLostError} (nothing
   * written) once the guard's node is gone.
   */
  async offer(data: Buffer | Uint8Array, options?: PutOptions): Promise<void> {
    const guard = resolvePutOptions(options, this.core.what);
    await this.core.put(encodeItem(bufferCodec, data as Buffer, this.core.what), 0, guard);
  }

  /** Removes and returns the head, or `null` when the queue is empty (no waiting). */
  async poll(): Promise<Buffer | null> {
    const taken = await this.core.next(new Deadline(undefined), () => new Error('unreachable: no timeout'), false);
    return taken?.data ?? null;
  }

  /** Removes and returns the head, waiting for one (bounded by `timeoutMs` → QueueTimeoutError, or `signal`). */
  async take(options?: WaitOptions): Promise<Buffer> {
    validateWaitOptions(options);
    const deadline = Deadline.from(options);
    const onTimeout = (): Error => queueTimeout(this.core.what, this.path, options?.timeoutMs ?? Number.POSITIVE_INFINITY);
    try {
      const taken = await this.core.next(deadline, onTimeout, true);
      if (taken === undefined) throw new Error('unreachable: a waiting take resolves with an item');
      return taken.data;
    } catch (error) {
      if (deadline.signal?.aborted) throw deadline.signal.reason;
      if (deadline.expired() && isZkError(error) && error.retriable) throw onTimeout();
      throw error;
    }
  }

  /** Removes and returns the head; rejects with {@link QueueEmptyError} when the queue is empty. */
  async remove(): Promise<Buffer> {
    const data = await this.poll();
    if (data === null) throw new QueueEmptyError(`${this.core.what}: queue is empty`);
    return data;
  }

  /** The head without removing it, or `null` when the queue is empty. */
  async peek(): Promise<Buffer | null> {
    const { client } = this.core;
    let children: string[];
    try {
      children = (await client.getChildren(this.path)).children;
    } catch (error) {
      if (isZkError(error, 'NO_NODE')) return null;
      throw error;
    }
    const items = children.map((name) => simpleOrder.parse(name)).filter((item): item is ItemName => item !== undefined);
    for (const item of items.sort(compareItems)) {
      try {
        return (await client.getData(joinPath(this.path, item.name))).data;
      } catch (error) {
        if (!isZkError(error, 'NO_NODE')) throw error; // taken meanwhile: the next one is the head
      }
    }
    return null;
  }

  /** The head without removing it; rejects with {@link QueueEmptyError} when the queue is empty. */
  async element(): Promise<Buffer> {
    const data = await this.peek();
    if (data === null) throw new QueueEmptyError(`${this.core.what}: queue is empty`);
    return data;
  }
}
