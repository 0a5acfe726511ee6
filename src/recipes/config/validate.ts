/**
 * Option checks only the config recipes need (the common ones are in `../shared/options.ts`): each names the
 * recipe and the option; wrong types throw `TypeError`, values out of range `RangeError`.
 */
import type { Codec } from './codecs';

/** An integer option within [min, max] (`max` may be `Infinity`, which is then accepted too). */
export function integerOption(value: unknown, name: string, recipe: string, fallback: number, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || Number.isNaN(value)) throw new TypeError(`${recipe}: ${name} must be a number, got ${typeof value}`);
  if (value === Infinity && max === Infinity) return value;
  if (!Number.isInteger(value)) throw new TypeError(`${recipe}: ${name} must be an integer, got ${value}`);
  if (value < min || value > max) throw new RangeError(`${recipe}: ${name} must be between ${min} and ${max}, got ${value}`);
  return value;
}

/** A {@link Codec} option: an object with `encode` and `decode` functions. */
export function codecOption<T>(value: unknown, recipe: string, fallback: Codec<T>): Codec<T> {
  if (value === undefined) return fallback;
  const codec = value as Partial<Codec<T>> | null;
  if (typeof codec !== 'object' || codec === null || typeof codec.encode !== 'function' || typeof codec.decode !== 'function') {
    throw new TypeError(`${recipe}: codec must be an object with encode(value) and decode(data) functions`);
  }
  return codec as Codec<T>;
}
