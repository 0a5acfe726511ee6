/** Errors of the lock recipes. */
import { RecipeTimeoutError } from '../shared/errors';

/** A lock (or lease, or set of locks) was not obtained within `timeoutMs`. Nothing is left behind. */
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
