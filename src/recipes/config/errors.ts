/** Errors of the config recipes (caches, shared values, counters). Each is branded: `instanceof` holds across the ESM and CJS builds. */
import { brand } from '../../client/brand';
import { RecipeTimeoutError } from '../shared/errors';

/**
 * A node's bytes could not be turned into a value: the codec failed (e.g. invalid JSON, a counter that is not
 * 4 or 8 bytes) or `validate` refused the value. Caches report it as an `invalid` event and keep the last valid
 * value; writes reject with it before anything is sent.
 *
 * @example
 * ```ts
 * cache.on('invalid', (error) => log.warn({ path: error.path, version: error.version }, error.message));
 * ```
 */
export class InvalidValueError extends Error {
  override readonly name: string = 'InvalidValueError';
  /** Path of the node concerned. */
  readonly path: string;
  /** The node's data version that held the invalid bytes (`undefined` for a value refused before a write). */
  readonly version: number | undefined;
  /** The bytes that failed to decode (or the encoded value that failed validation). */
  readonly raw: Buffer | undefined;

  constructor(message: string, details: { path: string; version?: number; raw?: Buffer; cause?: unknown }) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.path = details.path;
    this.version = details.version;
    this.raw = details.raw;
  }
}
brand(InvalidValueError, 'InvalidValueError');

/** A wait of a config recipe (`waitFor()`) ran out of time. */
export class ConfigTimeoutError extends RecipeTimeoutError {
  override readonly name: string = 'ConfigTimeoutError';
}
brand(ConfigTimeoutError, 'ConfigTimeoutError');

/** The {@link ConfigTimeoutError} of a `waitFor()` given `options`. */
export function timeoutError(what: string, path: string, options: { timeoutMs?: number } | undefined): ConfigTimeoutError {
  const timeoutMs = options?.timeoutMs ?? 0;
  return new ConfigTimeoutError(`${what}: waitFor() not satisfied within ${timeoutMs} ms`, { path, timeoutMs });
}
