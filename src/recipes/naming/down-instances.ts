/**
 * {@link DownInstances}: which instances a provider leaves out because callers reported errors on them, as
 * Curator's `DownInstanceManager`, with the error window and the time left out as two settings. Evaluated
 * when asked (no timer), on the monotonic clock.
 */
import { validateDuration } from '../../client/validate';
import { optionsObject } from '../shared/options';

/** When an instance counts as down. */
export interface DownInstancePolicy {
  /** Errors within `windowMs` that make an instance down. @default 2 */
  errorThreshold: number;
  /** The window errors are counted in, in milliseconds. @default 30000 */
  windowMs: number;
  /** How long a down instance is left out, in milliseconds. @default 30000 */
  coolDownMs: number;
}

const DEFAULTS: DownInstancePolicy = { errorThreshold: 2, windowMs: 30_000, coolDownMs: 30_000 };

/** Applies the defaults to `policy`; throws `TypeError`/`RangeError` naming the field. */
export function resolveDownInstancePolicy(policy: Partial<DownInstancePolicy> | undefined, recipe: string): DownInstancePolicy {
  const { errorThreshold = DEFAULTS.errorThreshold, windowMs, coolDownMs } = optionsObject(policy, `${recipe} downInstancePolicy`);
  if (typeof errorThreshold !== 'number' || !Number.isInteger(errorThreshold)) {
    throw new TypeError(`${recipe}: downInstancePolicy.errorThreshold must be an integer, got ${String(errorThreshold)}`);
  }
  if (errorThreshold < 1) throw new RangeError(`${recipe}: downInstancePolicy.errorThreshold must be >= 1, got ${errorThreshold}`);
  return {
    errorThreshold,
    windowMs: validateDuration(windowMs, `${recipe}: downInstancePolicy.windowMs`) ?? DEFAULTS.windowMs,
    coolDownMs: validateDuration(coolDownMs, `${recipe}: downInstancePolicy.coolDownMs`) ?? DEFAULTS.coolDownMs,
  };
}

type Status = { errors: number[]; downUntil: number };

/** Which instance a report is about. */
export type InstanceKey = { name: string; id: string; registrationTimeUTC: number };

/**
 * An instance's identity for the policy: name, id and registration time, so that an instance registered
 * anew under the same id (a restarted process) starts with a clean record, as Curator's (which compares
 * whole instances) does.
 */
function keyOf(instance: InstanceKey): string {
  return `${instance.name}/${instance.id}@${instance.registrationTimeUTC}`;
}

/** Error reports per instance and the instances they made down. */
export class DownInstances {
  private readonly statuses = new Map<string, Status>();

  constructor(private readonly policy: DownInstancePolicy) {}

  /** Records one error of `instance`; it goes down once `errorThreshold` errors fall within `windowMs`. */
  noteError(instance: InstanceKey): void {
    const now = performance.now();
    this.purge(now);
    const key = keyOf(instance);
    const status = this.statuses.get(key) ?? { errors: [], downUntil: 0 };
    status.errors = status.errors.filter((at) => now - at < this.policy.windowMs);
    status.errors.push(now);
    if (status.errors.length >= this.policy.errorThreshold) {
      status.downUntil = now + this.policy.coolDownMs;
      status.errors = [];
    }
    this.statuses.set(key, status);
  }

  /** True while `instance` is within its cool-down. */
  isDown(instance: InstanceKey): boolean {
    const status = this.statuses.get(keyOf(instance));
    return status !== undefined && performance.now() < status.downUntil;
  }

  /** Forgets statuses with nothing left to count, so the map does not grow with instances long gone. */
  private purge(now: number): void {
    for (const [key, status] of this.statuses) {
      if (now >= status.downUntil && status.errors.every((at) => now - at >= this.policy.windowMs)) this.statuses.delete(key);
    }
  }
}
