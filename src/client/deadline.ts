/** Deadlines: one place that turns `{ timeoutMs, signal }` into a bounded wait. */
import { onAbort } from './abort-listeners';
import { Fifo } from './fifo';
import type { WaitOptions } from './types';

/** A point in time after which an operation gives up, plus the caller's abort signal. */
export class Deadline {
  /** Absolute time (ms, `performance.now()` clock) or `Infinity`. */
  readonly at: number;
  readonly signal: AbortSignal | undefined;

  constructor(timeoutMs: number | undefined, signal?: AbortSignal) {
    this.at = timeoutMs === undefined ? Infinity : performance.now() + timeoutMs;
    this.signal = signal;
  }

  /** From wait options, with a default timeout when the caller gave none. */
  static from(options: WaitOptions | undefined, defaultTimeoutMs?: number): Deadline {
    return new Deadline(options?.timeoutMs ?? defaultTimeoutMs, options?.signal);
  }

  /** Milliseconds left (`Infinity` without a timeout, 0 when passed). */
  remaining(): number {
    return Math.max(0, this.at - performance.now());
  }

  /** True once the time is up. */
  expired(): boolean {
    return this.remaining() === 0;
  }

  /** Throws `signal.reason` when the caller aborted. */
  throwIfAborted(): void {
    this.signal?.throwIfAborted();
  }
}

/**
 * Waits for `subscribe` to call its `done` callback, with a deadline: rejects with `onTimeout()` when time is
 * up and with `signal.reason` on abort. `subscribe` returns its own cleanup, always called.
 */
export function waitUntil<T>(
  deadline: Deadline,
  subscribe: (done: (value: T) => void, fail: (error: unknown) => void) => () => void,
  onTimeout: () => Error,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    if (deadline.signal?.aborted) {
      reject(deadline.signal.reason);
      return;
    }
    let timer: NodeJS.Timeout | undefined;
    // Assigned once, after `finish` (which may run inside `subscribe`) is defined: `const` would be read too early.
    // eslint-disable-next-line prefer-const -- see above
    let cleanup: (() => void) | undefined;
    let settled = false;
    const finish = (action: () => void): void => {
      if (settled) return;
      settled = true;
      if (timer !== undefined) clearTimeout(timer);
      stopListening?.();
      cleanup?.();
      action();
    };
    const signal = deadline.signal;
    const stopListening = signal && onAbort(signal, () => finish(() => reject(signal.reason)));
    const remaining = deadline.remaining();
    if (remaining !== Infinity) timer = setTimeout(() => finish(() => reject(onTimeout())), remaining);
    cleanup = subscribe(
      (value) => finish(() => resolve(value)),
      (error) => finish(() => reject(error)),
    );
    if (settled) cleanup();
  });
}

/** Sleeps for `ms`, woken early (rejecting with `signal.reason`) when the signal aborts. */
export function delay(ms: number, signal?: AbortSignal): Promise<void> {
  return waitUntil<undefined>(
    new Deadline(undefined, signal),
    (done) => {
      const timer = setTimeout(() => done(undefined), ms);
      return () => clearTimeout(timer);
    },
    () => new Error('unreachable'),
  );
}

interface Bounded {
  at: number;
  settled: boolean;
  reject: (error: unknown) => void;
  onTimeout: () => Error;
}

/**
 * Bounds replies by their deadlines with one timer for all of them, instead of a timer per request. Replies
 * are bounded in deadline order in the common case (every operation with the default timeout), so a FIFO
 * holds them: answered ones leave from its front, and the timer, armed for the oldest deadline, moves on
 * only when it fires. A deadline earlier than the newest one queued (a caller's shorter `timeoutMs`) gets
 * a wait of its own ({@link waitUntil}).
 */
export class DeadlineQueue {
  private readonly entries = new Fifo<Bounded>();
  private timer: NodeJS.Timeout | undefined;
  private timerAt = Infinity;

  /** `reply`, or `onTimeout()` once `deadline` passes first (an abort of its signal rejects with its reason). */
  bound<T>(reply: Promise<T>, deadline: Deadline, onTimeout: () => Error): Promise<T> {
    const last = this.entries.last();
    if (deadline.signal || (last !== undefined && deadline.at < last.at)) {
      reply.catch(() => undefined); // a reply after the deadline or an abort is nobody's business
      return waitUntil<T>(
        deadline,
        (done, fail) => {
          reply.then(done, fail);
          return () => undefined;
        },
        onTimeout,
      );
    }
    return new Promise<T>((resolve, reject) => {
      const entry: Bounded = { at: deadline.at, settled: false, reject, onTimeout };
      this.entries.push(entry);
      if (entry.at < this.timerAt) this.arm(entry.at);
      reply.then(
        (value) => {
          if (entry.settled) return;
          entry.settled = true;
          this.trim();
          resolve(value);
        },
        (error: unknown) => {
          if (entry.settled) return;
          entry.settled = true;
          this.trim();
          reject(error);
        },
      );
    });
  }

  private arm(at: number): void {
    clearTimeout(this.timer);
    this.timerAt = at;
    this.timer = setTimeout(this.expire, Math.max(0, at - performance.now()));
    // Never what keeps a process alive: a request waiting for its reply has a socket doing that.
    this.timer.unref();
  }

  /** Drops answered entries from the front. */
  private trim(): void {
    while (this.entries.peek()?.settled) this.entries.shift();
  }

  private readonly expire = (): void => {
    this.timer = undefined;
    this.timerAt = Infinity;
    const now = performance.now();
    for (let entry = this.entries.peek(); entry !== undefined; entry = this.entries.peek()) {
      if (!entry.settled) {
        if (entry.at > now) {
          this.arm(entry.at);
          return;
        }
        entry.settled = true;
        entry.reject(entry.onTimeout());
      }
      this.entries.shift();
    }
  };
}
