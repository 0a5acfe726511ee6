/** Deadlines: one place that turns `{ timeoutMs, signal }` into a bounded wait. */
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
      deadline.signal?.removeEventListener('abort', onAbort);
      cleanup?.();
      action();
    };
    const onAbort = (): void => finish(() => reject(deadline.signal?.reason));
    deadline.signal?.addEventListener('abort', onAbort, { once: true });
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
