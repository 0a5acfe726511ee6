/**
 * {@link AsyncQueue} and {@link Fanout}: the one way this package turns pushed events into async
 * iterators (connection states, watchers, group views, queue consumers, caches).
 */
import { onAbort } from './abort-listeners';

/** Options of one iterator. */
export interface AsyncQueueOptions {
  /** Ends the iteration: a pending or later `next()` rejects with `signal.reason`. */
  signal?: AbortSignal;
  /**
   * Most values kept for a consumer that is not reading. Past it the oldest buffered value is dropped:
   * a stream of changes stays current for a slow reader instead of growing without bound.
   * @default Infinity
   */
  maxBuffered?: number;
  /** Called once when the iterator ends for any reason (`return()`, abort, `end()`): remove your listeners here. */
  onClose?: () => void;
}

type Pending<T> = { resolve: (result: IteratorResult<T, undefined>) => void; reject: (error: unknown) => void };

/**
 * A single-consumer queue that is also an async iterator: the producer calls {@link AsyncQueue.push} and
 * {@link AsyncQueue.end}; the consumer uses `for await`. Breaking out of the loop (`return()`), an abort or
 * `end()` closes it once, runs `onClose` and removes the abort listener.
 */
export class AsyncQueue<T> implements AsyncIterableIterator<T, undefined> {
  private readonly buffer: T[] = [];
  private waiting: Pending<T> | undefined;
  private done = false;
  private failure: { error: unknown } | undefined;
  private readonly maxBuffered: number;
  /** Unregisters the abort callback (when there is a signal). */
  private readonly stopListening: (() => void) | undefined;

  constructor(private readonly options: AsyncQueueOptions = {}) {
    this.maxBuffered = options.maxBuffered ?? Number.POSITIVE_INFINITY;
    const { signal } = options;
    if (signal?.aborted) {
      this.failure = { error: signal.reason };
      this.finish();
    } else if (signal) {
      this.stopListening = onAbort(signal, () => this.end(signal.reason));
    }
  }

  /** True once the queue ended (nothing more will be yielded after what is buffered). */
  get closed(): boolean {
    return this.done;
  }

  /** Number of values waiting to be read. */
  get size(): number {
    return this.buffer.length;
  }

  /** Hands `value` to the consumer; ignored once closed. Returns false when the value was not taken. */
  push(value: T): boolean {
    if (this.done) return false;
    const waiting = this.waiting;
    if (waiting) {
      this.waiting = undefined;
      waiting.resolve({ value, done: false });
      return true;
    }
    this.buffer.push(value);
    if (this.buffer.length > this.maxBuffered) this.buffer.shift();
    return true;
  }

  /** Ends the stream: buffered values are still read, then the iteration ends (or rejects with `error`). */
  end(error?: unknown): void {
    if (this.done) return;
    if (error !== undefined) this.failure = { error };
    this.finish();
    const waiting = this.waiting;
    if (waiting) {
      this.waiting = undefined;
      this.settle(waiting);
    }
  }

  /** The next value, waiting for one when none is buffered. */
  next(): Promise<IteratorResult<T, undefined>> {
    if (this.buffer.length > 0) return Promise.resolve({ value: this.buffer.shift() as T, done: false });
    if (this.done) return new Promise((resolve, reject) => this.settle({ resolve, reject }));
    if (this.waiting) return Promise.reject(new Error('AsyncQueue: next() called while another next() is pending'));
    return new Promise((resolve, reject) => (this.waiting = { resolve, reject }));
  }

  /** Stops the iteration (what `break` in `for await` calls). */
  return(): Promise<IteratorResult<T, undefined>> {
    this.buffer.length = 0;
    this.failure = undefined;
    this.end();
    return Promise.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  private settle(pending: Pending<T>): void {
    if (this.failure) {
      const { error } = this.failure;
      this.failure = undefined;
      pending.reject(error);
    } else {
      pending.resolve({ value: undefined, done: true });
    }
  }

  private finish(): void {
    this.done = true;
    this.stopListening?.();
    this.options.onClose?.();
  }
}

/** Hands every pushed value to each of its open iterators (each with a queue of its own). */
export class Fanout<T> {
  private readonly queues = new Set<AsyncQueue<T>>();
  private ended: { error?: unknown } | undefined;

  /** Number of open iterators. */
  get size(): number {
    return this.queues.size;
  }

  /** A new iterator, starting with `initial` (e.g. the current value) and then every pushed value. */
  iterate(options: AsyncQueueOptions & { initial?: readonly T[] } = {}): AsyncQueue<T> {
    const queue = new AsyncQueue<T>({
      ...options,
      onClose: () => {
        this.queues.delete(queue);
        options.onClose?.();
      },
    });
    for (const value of options.initial ?? []) queue.push(value);
    if (this.ended) queue.end(this.ended.error);
    else if (!queue.closed) this.queues.add(queue);
    return queue;
  }

  /** Pushes `value` to every open iterator. */
  push(value: T): void {
    for (const queue of this.queues) queue.push(value);
  }

  /** Ends every iterator (and every later one) after what it has buffered. */
  end(error?: unknown): void {
    if (this.ended) return;
    this.ended = error === undefined ? {} : { error };
    for (const queue of [...this.queues]) queue.end(error);
  }
}
