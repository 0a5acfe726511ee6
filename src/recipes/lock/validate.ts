/** Argument checks of the lock recipes: all run before anything is sent. */
import { validatePath } from '../../client/paths';
import type { NodeData } from '../../client/types';
import { toPayload, validateWaitOptions } from '../../client/validate';
import type { SafetyPolicy } from '../shared/hold-signal';
import { optionsObject, policyOption } from '../shared/options';
import type { SemaphoreOptions } from './semaphore';
import type { AcquireOptions, LockOptions } from './types';

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

/** Checks {@link LockOptions} (TypeError/RangeError naming the option) and fills in defaults. */
export function resolveLockOptions(options: LockOptions | undefined, recipe: string): ResolvedLockOptions {
  const given = optionsObject(options, recipe);
  return { policy: policyOption(given.policy, recipe), data: checkData(given.data) };
}

/** {@link SemaphoreOptions} with every default filled in. */
export interface ResolvedSemaphoreOptions extends ResolvedLockOptions {
  maxLeases: number;
}

/** Checks {@link SemaphoreOptions} (required: `maxLeases`) and fills in defaults. */
export function resolveSemaphoreOptions(options: SemaphoreOptions, recipe: string): ResolvedSemaphoreOptions {
  const given = optionsObject(options, recipe, true);
  return { ...resolveLockOptions(given, recipe), maxLeases: checkCount(given.maxLeases, 'maxLeases', recipe) };
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
export function checkCount(value: unknown, name: string, recipe: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value)) throw new TypeError(`${recipe}: ${name} must be an integer, got ${String(value)}`);
  if (value < 1) throw new RangeError(`${recipe}: ${name} must be at least 1, got ${value}`);
  return value;
}
