/** Errors of the barrier recipes. */
import { RecipeTimeoutError } from '../shared/errors';

/**
 * A barrier wait (`wait()`, `enter()`, `leave()`) did not end within `timeoutMs`. A member that timed out
 * has removed its node: it counts as not there.
 *
 * @example
 * ```ts
 * try {
 *   await barrier.enter({ timeoutMs: 30_000 });
 * } catch (error) {
 *   if (error instanceof BarrierTimeoutError) log.warn('not every worker came: batch skipped');
 *   else throw error;
 * }
 * ```
 */
export class BarrierTimeoutError extends RecipeTimeoutError {
  override readonly name: string = 'BarrierTimeoutError';
  /** The barrier's path. */
  readonly path: string;

  constructor(what: string, path: string, timeoutMs: number) {
    super(`${what} not passed within ${timeoutMs} ms`, timeoutMs);
    this.path = path;
  }
}
