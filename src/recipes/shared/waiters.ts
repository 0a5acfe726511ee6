/**
 * {@link Waiters}: callers waiting for a recipe to reach something (leadership, a node's first create, a
 * write), each with its own deadline, woken together by the recipe.
 */
import { Deadline, waitUntil } from '../../client/deadline';
import type { WaitOptions } from '../../client/types';
import { validateWaitOptions } from '../../client/validate';

type Waiter<T> = { done: (value: T) => void; fail: (error: unknown) => void; accepts: (value: T) => boolean };

/** A set of pending waits for values of type `T`. */
export class Waiters<T> {
  private readonly pending = new Set<Waiter<T>>();

  /**
   * Waits for a {@link Waiters.wake} with a value `accepts` takes. Rejects with `onTimeout()` after
   * `timeoutMs`, with `signal.reason` on abort, and with what {@link Waiters.failAll} is given. Bad options
   * reject (never throw).
   */
  async wait(options: WaitOptions | undefined, onTimeout: () => Error, accepts: (value: T) => boolean = () => true): Promise<T> {
    validateWaitOptions(options);
    return waitUntil<T>(
      Deadline.from(options),
      (done, fail) => {
        const waiter: Waiter<T> = { done, fail, accepts };
        this.pending.add(waiter);
        return () => this.pending.delete(waiter);
      },
      onTimeout,
    );
  }

  /** Resolves every wait that accepts `value`. */
  wake(value: T): void {
    for (const waiter of [...this.pending]) if (waiter.accepts(value)) waiter.done(value);
  }

  /** Rejects every wait with `error` (on close). */
  failAll(error: unknown): void {
    for (const waiter of [...this.pending]) waiter.fail(error);
  }
}
