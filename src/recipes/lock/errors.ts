/** Errors of the lock recipes. */
import { RecipeTimeoutError } from '../shared/errors';

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
  /** The lock's path. */
  readonly path: string;

  /** `what` names the lock in the message (e.g. `Mutex /locks/a`); by default `lock <path>`. */
  constructor(path: string, timeoutMs: number, what = `lock ${path}`) {
    super(`${what} not acquired within ${timeoutMs} ms`, timeoutMs);
    this.path = path;
  }
}
