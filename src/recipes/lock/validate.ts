/** Argument checks of the lock recipes: all run before anything is sent. */
import { validatePath } from '../../client/paths';
import type { NodeData } from '../../client/types';
import { toPayload, validateWaitOptions } from '../../client/validate';
import type { SafetyPolicy } from '../shared/hold-signal';
import type { AcquireOptions, LockOptions } from './types';

const POLICIES: ReadonlySet<string> = new Set(['standard', 'session']);

/** Checks a lock path (TypeError for anything ZooKeeper would refuse). */
export function checkLockPath(path: unknown, what = 'path'): string {
  validatePath(path, what);
  return path;
}

/** The options of a sequential-node lock, defaults filled in. */
export interface ResolvedLockOptions {
  policy: SafetyPolicy;
  data: Buffer;
}

/** Checks {@link LockOptions} and fills in defaults. */
export function resolveLockOptions(options: LockOptions | undefined): ResolvedLockOptions {
  if (options !== undefined && (typeof options !== 'object' || options === null)) throw new TypeError('options must be an object');
  return { policy: checkPolicy(options?.policy), data: checkData(options?.data) };
}

/** Checks a safety policy option. */
export function checkPolicy(policy: unknown): SafetyPolicy {
  if (policy === undefined) return 'standard';
  if (typeof policy !== 'string' || !POLICIES.has(policy)) {
    throw new TypeError(`policy must be 'standard' or 'session', got ${String(policy)}`);
  }
  return policy as SafetyPolicy;
}

/** Checks node data given as an option. */
export function checkData(data: NodeData | undefined): Buffer {
  return toPayload(data, 'data');
}

/** Checks {@link AcquireOptions} (TypeError / RangeError naming the option). */
export function checkAcquireOptions(options: AcquireOptions | undefined): AcquireOptions {
  validateWaitOptions(options);
  return options ?? {};
}

/** Checks a positive integer count (`maxLeases`, number of leases). */
export function checkCount(value: unknown, what: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value)) throw new TypeError(`${what} must be an integer, got ${String(value)}`);
  if (value < 1) throw new RangeError(`${what} must be at least 1, got ${value}`);
  return value;
}
