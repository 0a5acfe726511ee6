/** Option checks of the config recipes: each names the option and runs before anything is sent. */
import type { Codec } from './codecs';

/** Throws a `TypeError` unless `options` is an object (or undefined); returns it or `{}`. */
export function optionsObject<T extends object>(options: T | undefined, what: string): Partial<T> {
  if (options === undefined) return {};
  if (typeof options !== 'object' || options === null) throw new TypeError(`${what}: options must be an object`);
  return options;
}

/** A boolean option (TypeError otherwise). */
export function booleanOption(value: unknown, name: string, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') throw new TypeError(`${name} must be a boolean, got ${typeof value}`);
  return value;
}

/** An integer option within [min, max] (`Infinity` allowed as max when `infinite`): TypeError / RangeError. */
export function integerOption(value: unknown, name: string, fallback: number, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || Number.isNaN(value)) throw new TypeError(`${name} must be a number, got ${typeof value}`);
  if (value === Infinity && max === Infinity) return value;
  if (!Number.isInteger(value)) throw new TypeError(`${name} must be an integer, got ${value}`);
  if (value < min || value > max) throw new RangeError(`${name} must be between ${min} and ${max}, got ${value}`);
  return value;
}

/** A function option (TypeError otherwise). */
export function functionOption<F extends (...args: never[]) => unknown>(value: unknown, name: string): F | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'function') throw new TypeError(`${name} must be a function, got ${typeof value}`);
  return value as F;
}

/** A {@link Codec} option: an object with `encode` and `decode` functions. */
export function codecOption<T>(value: unknown, fallback: Codec<T>): Codec<T> {
  if (value === undefined) return fallback;
  const codec = value as Partial<Codec<T>> | null;
  if (typeof codec !== 'object' || codec === null || typeof codec.encode !== 'function' || typeof codec.decode !== 'function') {
    throw new TypeError('codec must be an object with encode(value) and decode(data) functions');
  }
  return codec as Codec<T>;
}
