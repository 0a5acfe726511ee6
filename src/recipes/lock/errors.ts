/** Errors of the lock recipes. A lost hold aborts its signal with the shared `HoldLostError`. */
import { brand } from '../../client/brand';
import type { Deadline } from '../../client/deadline';
import { isZkError } from '../../client/errors';
import { inUserTerms, RecipeTimeoutError } from '../shared/errors';

/**
 * A lock (or lease, or set of locks) was not obtained within `timeoutMs`. Nothing is left behind.
 *
 * @example
 * ```ts
 * try {
 *   await mutex.withLock(runJob, { timeoutMs: 5_000 });
 * } catch (error) {
 *   if (error instanceof LockTimeoutError) log.info(`${error.path} is busy, skipping this run`);
 *   else throw error;
 * }
 * ```
 */
export class LockTimeoutError extends RecipeTimeoutError {
  override readonly name: string = 'LockTimeoutError';
}
brand(LockTimeoutError, 'LockTimeoutError');

/** The {@link LockTimeoutError} of `what` (e.g. `Mutex /locks/a`) at `path` after `timeoutMs`. */
export function lockTimeout(what: string, path: string, timeoutMs: number): LockTimeoutError {
  return new LockTimeoutError(`${what} not acquired within ${timeoutMs} ms`, { path, timeoutMs });
}

/**
 * What the caller of a failed acquisition sees: the abort reason, a timeout (also when connection trouble
 * outlasted the deadline), or the error in the user's terms (`Mutex /locks/m: client closed`).
 */
export function acquireError(error: unknown, deadline: Deadline, what: string, path: string, timeoutMs: number): unknown {
  if (deadline.signal?.aborted) return deadline.signal.reason;
  if (error instanceof LockTimeoutError) return error;
  if (deadline.expired() && isZkError(error) && error.retriable) return lockTimeout(what, path, timeoutMs);
  return inUserTerms(what, path, error);
}
