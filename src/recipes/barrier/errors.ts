/** Errors of the barrier recipes, each branded (`instanceof` holds across the ESM and CJS copies). */
import { brand } from '../../client/brand';
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
}
brand(BarrierTimeoutError, 'BarrierTimeoutError');

/** The {@link BarrierTimeoutError} of `what` (e.g. `DoubleBarrier /b: enter()`) at `path` after `timeoutMs`. */
export function barrierTimeout(what: string, path: string, timeoutMs: number): BarrierTimeoutError {
  return new BarrierTimeoutError(`${what} not passed within ${timeoutMs} ms`, { path, timeoutMs });
}
