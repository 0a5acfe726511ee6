/**
 * {@link QueueConsumer}: the long-lived side of a queue — workers that take items one after the other and
 * hand each to a handler, each claiming its next item while the handler works (lock-safe mode), and
 * acknowledging a handled item in the background so the next handler starts at once.
 */
import { setMaxListeners } from 'node:events';
import { Deadline, delay } from '../../client/deadline';
import { isConnectionTrouble } from '../../client/errors';
import { Recipe, toError, type RecipeEvents } from '../shared/recipe';
import type { Codec } from '../shared/codec';
import { decodeItem } from './codec';
import type { HandBack, QueueCore, TakenItem } from './queue-core';
import { resolveConsumeOptions, type ConsumeOptions, type ResolvedConsumeOptions } from './options';

/** What a handler learns about the item besides its value. */
export interface QueueItemInfo {
  /** The item's node name. */
  name: string;
  /** Failed attempts before this one (0 the first time). */
  attempts: number;
  /** Aborted when the consumer closes: a long handler should stop (its item then counts as failed). */
  signal: AbortSignal;
}

/** Handles one item; a rejection (or throw) counts as a failed attempt. */
export type QueueHandler<T> = (item: T, info: QueueItemInfo) => unknown;

/** What became of an item whose handler failed: `dropped` in at-most-once mode (it was removed already). */
export type FailureOutcome = HandBack | 'dropped';

/** Events of a {@link QueueConsumer}. */
export interface QueueConsumerEvents extends RecipeEvents {
  /** A handler failed (or the item could not be decoded); `outcome` says where the item went. */
  failed: (error: Error, info: Omit<QueueItemInfo, 'signal'> & { outcome: FailureOutcome }) => void;
}

/** The parts of a queue a consumer works with. */
export interface ConsumableQueue<T> {
  /** @internal */
  readonly core: QueueCore;
  /** @internal */
  readonly codec: Codec<T>;
}

/** Thrown into a handler's promise to give its item back untouched (the iterator's `return()`). */
export const RELEASE_ITEM = Symbol('release item');

const ERROR_BACKOFF_MS = 1000;

/**
 * Consumes a queue until closed: `concurrency` workers, each taking an item, handing it to `handler` and,
 * lock-safe, removing it once the handler resolved, or handing it back (at the tail, with one more attempt
 * counted, or to the dead-letter path) when it threw. `queue.consume()` runs one until its signal aborts.
 *
 * @example
 * ```ts
 * const consumer = new QueueConsumer(queue, async (job) => { await run(job); }, { concurrency: 4 });
 * consumer.on('failed', (error, { name, outcome }) => log.warn({ name, outcome }, error.message));
 * await consumer.start();
 * // ... later: in-flight handlers finish and are acknowledged, claimed items go back
 * await consumer.close();
 * ```
 */
export class QueueConsumer<T> extends Recipe<QueueConsumerEvents> {
  private readonly stopping = new AbortController();
  private readonly options: ResolvedConsumeOptions;
  private readonly core: QueueCore;
  private readonly codec: Codec<T>;
  private workers: Promise<void>[] = [];
  private readonly acks = new Set<Promise<unknown>>();
  private readonly onAbort = (): void => void this.close();
  private fatal: Error | undefined;
  private settle!: () => void;
  /** Resolves once the consumer is closed and every in-flight item is settled; rejects if the client closed under it. */
  readonly finished: Promise<void>;

  constructor(
    queue: ConsumableQueue<T>,
    private readonly handler: QueueHandler<T>,
    options?: ConsumeOptions,
  ) {
    super(queue.core.client, queue.core.path, 'QueueConsumer');
    if (typeof handler !== 'function') throw new TypeError('QueueConsumer: handler must be a function');
    this.options = resolveConsumeOptions(options);
    this.core = queue.core;
    this.codec = queue.codec;
    // Handlers get this signal (info.signal), as many at once as the concurrency, and may listen to it
    // themselves: that must not trip Node's listener-leak warning.
    setMaxListeners(0, this.stopping.signal);
    this.finished = new Promise<void>((resolve) => (this.settle = resolve)).then(() => {
      if (this.fatal) throw this.fatal;
    });
    // Observed here so that a consumer nobody awaits does not end the process with an unhandled rejection.
    this.finished.catch(() => undefined);
  }

  protected onStart(): Promise<void> {
    const { signal } = this.options;
    if (signal?.aborted) throw signal.reason;
    signal?.addEventListener('abort', this.onAbort, { once: true });
    this.workers = Array.from({ length: this.options.concurrency }, () => this.work());
    return Promise.resolve();
  }

  protected async onClose(): Promise<void> {
    this.options.signal?.removeEventListener('abort', this.onAbort);
    this.stopping.abort(new Error(`${this.what}: closed`));
    await Promise.allSettled(this.workers);
    await Promise.allSettled([...this.acks]);
    this.settle();
  }

  /** One worker: take, handle, acknowledge; lock-safe, the next item is claimed while the handler works. */
  private async work(): Promise<void> {
    const { signal } = this.stopping;
    const deadline = new Deadline(undefined, signal);
    const lockSafe = this.core.mode === 'lock-safe';
    const take = (): Promise<TakenItem | undefined> => this.core.next(deadline, () => new Error('unreachable: no timeout'), true);
    let next: Promise<TakenItem | undefined> | undefined;
    while (this.active) {
      let taken: TakenItem | undefined;
      try {
        taken = await (next ?? take());
      } catch (error) {
        next = undefined;
        if (!this.active) break;
        await this.recover(error);
        continue;
      }
      next = undefined;
      if (taken === undefined) continue;
      if (lockSafe && this.active) {
        next = take();
        next.catch(() => undefined); // seen when awaited above
      }
      await this.handle(taken);
    }
    // A claim made ahead that no handler will get: give it back.
    const unhandled = await next?.catch(() => undefined);
    if (unhandled !== undefined) await this.core.release(unhandled);
  }

  private async handle(taken: TakenItem): Promise<void> {
    const info: QueueItemInfo = { name: taken.item.name, attempts: taken.item.attempts, signal: this.stopping.signal };
    try {
      await this.handler(decodeItem(this.codec, taken.data, this.what), info);
    } catch (error) {
      if (error === RELEASE_ITEM) {
        await this.core.release(taken);
        return;
      }
      const outcome: FailureOutcome = taken.claimPath === undefined ? 'dropped' : await this.core.handBack(taken);
      this.safeEmit('failed', toError(error), { name: info.name, attempts: info.attempts, outcome });
      return;
    }
    if (taken.claimPath !== undefined) {
      const ack = this.core.ack(taken);
      this.acks.add(ack);
      void ack.finally(() => this.acks.delete(ack));
    }
  }

  /** After a failed take: wait for the connection, or report and back off; a closed client ends the consumer. */
  private async recover(error: unknown): Promise<void> {
    const { signal } = this.stopping;
    if (this.client.state === 'closed') {
      this.fatal ??= this.clientClosedError(error);
      void this.close();
      return;
    }
    if (isConnectionTrouble(error)) {
      await this.client.waitForConnection({ signal }).catch(() => undefined);
      return;
    }
    this.safeEmit('error', toError(error));
    await delay(ERROR_BACKOFF_MS, signal).catch(() => undefined);
  }
}
