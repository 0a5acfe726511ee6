/** The FIFO, priority and delay queues: one engine, three naming rules (see item-order.ts). */
import type { ZooKeeperClient } from '../../client/types';
import { delayOrder, fifoOrder, priorityOrder } from './item-order';
import type { DistributedQueueOptions, PutOptions } from './options';
import { QueueBase } from './queue-base';

/**
 * A distributed FIFO queue of typed items (JSON by default), laid out as Curator's DistributedQueue
 * (`<path>/queue-<seq10>`, claims at `<lockPath>/<item>`). Consumption is at-least-once and lock-safe by
 * default: an item is removed only after its handler succeeded, and comes back if the consumer dies or the
 * handler throws. Guarantees, failure modes and costs: docs/queues.md.
 *
 * @example
 * ```ts
 * const jobs = new DistributedQueue<{ id: string }>(client, '/queues/jobs');
 * await jobs.put({ id: 'a' });
 * await jobs.putMany([{ id: 'b' }, { id: 'c' }]); // one transaction
 * await jobs.put({ id: 'd' }, { guard: leadership }); // written only while this process leads
 *
 * const stop = new AbortController();
 * await jobs.consume(async (job, { attempts }) => { await run(job, attempts); }, { concurrency: 4, signal: stop.signal });
 * ```
 */
export class DistributedQueue<T> extends QueueBase<T> {
  /** Checks the arguments; does no I/O. */
  constructor(client: ZooKeeperClient, path: string, options?: DistributedQueueOptions<T>) {
    super(client, path, options, fifoOrder, 'DistributedQueue');
  }

  /**
   * Adds an item at the tail. Rejects with ItemSerializationError / ItemTooLargeError before writing anything;
   * with `options.guard`, with a {@link HoldLostError} (nothing written) once the guard's node is gone.
   */
  put(item: T, options?: PutOptions): Promise<void> {
    return this.putRanked(item, 0, options);
  }

  /** Adds items at the tail, in order, in one transaction: all or none (none once `options.guard` is gone). */
  putMany(items: readonly T[], options?: PutOptions): Promise<void> {
    return this.putManyRanked(items, 0, options);
  }
}

/** Options of a {@link DistributedPriorityQueue}. */
export type DistributedPriorityQueueOptions<T> = DistributedQueueOptions<T>;

/**
 * A queue whose items come out by priority (lower first, FIFO within a priority), laid out as Curator's
 * DistributedPriorityQueue (`<path>/queue-<p><hex8><seq10>`). Same consumption modes as {@link DistributedQueue}.
 *
 * @example
 * ```ts
 * const queue = new DistributedPriorityQueue<string>(client, '/queues/mail');
 * await queue.put('newsletter', 10);
 * await queue.put('password reset', 0);
 * await queue.take(); // 'password reset'
 * ```
 */
export class DistributedPriorityQueue<T> extends QueueBase<T> {
  /** Checks the arguments; does no I/O. */
  constructor(client: ZooKeeperClient, path: string, options?: DistributedPriorityQueueOptions<T>) {
    super(client, path, options, priorityOrder, 'DistributedPriorityQueue');
  }

  /** Adds an item with `priority`, a 32-bit integer (lower comes out first); fenced by `options.guard`, if given. */
  async put(item: T, priority: number, options?: PutOptions): Promise<void> {
    await this.putRanked(item, checkPriority(priority), options);
  }

  /** Adds items of one priority, in order, in one transaction; fenced by `options.guard`, if given. */
  async putMany(items: readonly T[], priority: number, options?: PutOptions): Promise<void> {
    await this.putManyRanked(items, checkPriority(priority), options);
  }
}

/** Options of a {@link DistributedDelayQueue}. */
export type DistributedDelayQueueOptions<T> = DistributedQueueOptions<T>;

/**
 * A queue whose items become available at a given time (earliest first), laid out as Curator's
 * DistributedDelayQueue (`<path>/queue-|<hex epoch ms>|<seq10>`). Due times are compared with the
 * consumer's clock. Same consumption modes as {@link DistributedQueue}.
 *
 * @example
 * ```ts
 * const reminders = new DistributedDelayQueue<string>(client, '/queues/reminders');
 * await reminders.put('call back', Date.now() + 60_000);
 * const next = await reminders.take(); // about a minute later
 * ```
 */
export class DistributedDelayQueue<T> extends QueueBase<T> {
  /** Checks the arguments; does no I/O. */
  constructor(client: ZooKeeperClient, path: string, options?: DistributedDelayQueueOptions<T>) {
    super(client, path, options, delayOrder, 'DistributedDelayQueue');
  }

  /** Adds an item that no consumer gets before `runAt` (a Date or epoch milliseconds); fenced by `options.guard`, if given. */
  async put(item: T, runAt: Date | number, options?: PutOptions): Promise<void> {
    await this.putRanked(item, checkRunAt(runAt), options);
  }

  /** Adds items due at one time, in order, in one transaction; fenced by `options.guard`, if given. */
  async putMany(items: readonly T[], runAt: Date | number, options?: PutOptions): Promise<void> {
    await this.putManyRanked(items, checkRunAt(runAt), options);
  }
}

function checkPriority(priority: unknown): number {
  if (typeof priority !== 'number' || !Number.isInteger(priority)) throw new TypeError(`priority must be an integer, got ${String(priority)}`);
  if (priority < -0x80000000 || priority > 0x7fffffff) throw new RangeError(`priority must be a 32-bit integer, got ${priority}`);
  return priority;
}

function checkRunAt(runAt: unknown): number {
  const epoch = runAt instanceof Date ? runAt.getTime() : runAt;
  if (typeof epoch !== 'number' || Number.isNaN(epoch)) throw new TypeError(`runAt must be a Date or epoch milliseconds, got ${String(runAt)}`);
  if (!Number.isInteger(epoch) || epoch <= 0 || epoch > Number.MAX_SAFE_INTEGER) throw new RangeError(`runAt must be a positive integer epoch, got ${epoch}`);
  return epoch;
}
