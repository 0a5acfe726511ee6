/** Options of the barriers, and the function that checks them. */
import { randomUUID } from 'node:crypto';
import { validatePath } from '../../client/paths';
import { optionsObject } from '../shared/options';

/** Options of a {@link DoubleBarrier}. */
export interface DoubleBarrierOptions {
  /**
   * How many members must have entered before `enter()` returns: a threshold, not a limit (more may enter,
   * as in Curator). An integer >= 1. Required.
   */
  memberCount: number;
  /** This member's node name under the barrier's path. @default a random UUID (as Curator) */
  id?: string;
}

/** {@link DoubleBarrierOptions} with the defaults filled in. */
export interface ResolvedDoubleBarrierOptions {
  memberCount: number;
  id: string;
}

/** The name of the node that says "everybody is in" (Curator's). */
export const READY_NODE = 'ready';

/** Checks a {@link DoubleBarrier}'s path and options (TypeError for a wrong type, RangeError for a value out of range). */
export function resolveDoubleBarrierOptions(path: unknown, options: DoubleBarrierOptions | undefined): ResolvedDoubleBarrierOptions {
  validatePath(path);
  if (path === '/') throw new TypeError('path must not be the root: a barrier needs a node of its own');
  const { memberCount, id = randomUUID() } = optionsObject(options, 'DoubleBarrier', true);
  if (typeof memberCount !== 'number' || !Number.isInteger(memberCount)) throw new TypeError(`memberCount must be an integer, got ${String(memberCount)}`);
  if (memberCount < 1) throw new RangeError(`memberCount must be at least 1, got ${memberCount}`);
  if (typeof id !== 'string' || id === '' || id.includes('/') || id === READY_NODE || id === '.' || id === '..') {
    throw new TypeError(`id must be a node name other than '${READY_NODE}', got ${JSON.stringify(id)}`);
  }
  return { memberCount, id };
}
