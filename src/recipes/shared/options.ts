/**
 * The checks every `resolveXOptions(options)` is made of: one per kind of option, each naming the recipe
 * and the option. Wrong types throw `TypeError`; values of the right type out of range throw `RangeError`.
 */
import { SAFETY_POLICIES, type SafetyPolicy } from './hold-signal';

/** The options object itself: `undefined` is `{}` unless `required`; anything but an object is a TypeError. */
export function optionsObject<T extends object>(options: T | undefined, recipe: string, required = false): Partial<T> {
  if (options === undefined && !required) return {};
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new TypeError(`${recipe}: options must be an object${required ? '' : ' or undefined'}, got ${describe(options)}`);
  }
  return options;
}

/** The `policy` option (default `standard`). */
export function policyOption(value: unknown, recipe: string): SafetyPolicy {
  if (value === undefined) return 'standard';
  if (typeof value !== 'string') throw new TypeError(`${recipe}: policy must be a string, got ${describe(value)}`);
  if (!(SAFETY_POLICIES as readonly string[]).includes(value)) {
    throw new RangeError(`${recipe}: policy must be one of ${SAFETY_POLICIES.map((p) => `'${p}'`).join(', ')}, got '${value}'`);
  }
  return value as SafetyPolicy;
}

/** A boolean option with its default. */
export function booleanOption(value: unknown, name: string, recipe: string, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') throw new TypeError(`${recipe}: ${name} must be a boolean, got ${describe(value)}`);
  return value;
}

/** A required function option. */
export function functionOption<F extends (...args: never[]) => unknown>(value: unknown, name: string, recipe: string): F {
  if (typeof value !== 'function') throw new TypeError(`${recipe}: ${name} must be a function, got ${describe(value)}`);
  return value as F;
}

/** A required non-empty string option (a participant id). */
export function idOption(value: unknown, name: string, recipe: string): string {
  if (typeof value !== 'string') throw new TypeError(`${recipe}: ${name} must be a string, got ${describe(value)}`);
  if (value.length === 0) throw new RangeError(`${recipe}: ${name} must not be empty`);
  return value;
}

/** One of a fixed set of strings (with its default). */
export function oneOfOption<T extends string>(value: unknown, name: string, recipe: string, allowed: readonly T[], fallback: T): T {
  if (value === undefined) return fallback;
  if (typeof value !== 'string') throw new TypeError(`${recipe}: ${name} must be a string, got ${describe(value)}`);
  if (!(allowed as readonly string[]).includes(value)) {
    throw new RangeError(`${recipe}: ${name} must be one of ${allowed.join(', ')}, got '${value}'`);
  }
  return value as T;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'string' ? `'${value}'` : typeof value;
}
