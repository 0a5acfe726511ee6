/** Errors of the config recipes (caches, shared values, counters). */
import { RecipeTimeoutError } from '../shared/errors';

const configErrorBrand = Symbol.for('zk-recipes.ConfigError');

/**
 * A node's bytes could not be turned into a value: the codec failed (e.g. invalid JSON, a counter that is not
 * 4 or 8 bytes) or `validate` refused the value. Caches report it as an `invalid` event and keep the last valid
 * value; writes reject with it before anything is sent. `instanceof` works across the ESM and CJS builds.
 *
 * @example
 * ```ts
 * cache.on('invalid', (error) => log.warn({ path: error.path, version: error.version }, error.message));
 * ```
 */
export class InvalidValueError extends Error {
  override readonly name = 'InvalidValueError' as const;
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
    Object.defineProperty(this, configErrorBrand, { value: 'InvalidValueError' });
  }

  static override [Symbol.hasInstance](value: unknown): boolean {
    return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[configErrorBrand] === 'InvalidValueError';
  }
}

/**
 * A wait of a config recipe (`waitFor`, a counter's promotion to its lock) ran out of time. `instanceof`
 * works across the ESM and CJS builds.
 */
export class ConfigTimeoutError extends RecipeTimeoutError {
  override readonly name: string = 'ConfigTimeoutError';
  /** Path of the node concerned. */
  readonly path: string;

  constructor(what: string, path: string, timeoutMs: number) {
    super(`${what}: not done within ${timeoutMs} ms`, timeoutMs);
    this.path = path;
    Object.defineProperty(this, configErrorBrand, { value: 'ConfigTimeoutError' });
  }

  static override [Symbol.hasInstance](value: unknown): boolean {
    return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[configErrorBrand] === 'ConfigTimeoutError';
  }
}
