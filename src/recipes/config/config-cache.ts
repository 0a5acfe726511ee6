/** {@link ConfigCache}: a typed configuration value (JSON by default), kept current and validated. */
import type { Stat, WaitOptions, ZooKeeperClient } from '../../client/types';
import { jsonCodec, type Codec } from './codecs';
import { ValueCache } from './value-cache';
import { functionOption, optionsObject } from '../shared/options';
import { codecOption } from './validate';

/** Options of a {@link ConfigCache}. */
export interface ConfigCacheOptions<T> {
  /** How the node's bytes become a value and back. @default UTF-8 JSON */
  codec?: Codec<T>;
  /**
   * Decides whether a decoded value is valid (return `true`; `false` or a throw refuses it, the thrown error
   * becoming the `cause`). An invalid value in the node is reported as `invalid` and the last valid value kept;
   * `set()` refuses an invalid value before writing it. @default every decoded value is valid
   */
  validate?: (value: T) => boolean;
  /** What `get()` returns while the node is missing or has never held a valid value. @default undefined */
  defaultValue?: T;
}

/** The resolved options of a {@link ConfigCache}. */
interface ResolvedConfigCacheOptions<T> {
  codec: Codec<T>;
  validate: ((value: T) => boolean) | undefined;
  defaultValue: T | undefined;
}

/** Checks {@link ConfigCacheOptions} and fills in defaults. */
export function resolveConfigCacheOptions<T>(options: ConfigCacheOptions<T> | undefined): ResolvedConfigCacheOptions<T> {
  const given = optionsObject(options, 'ConfigCache');
  return {
    codec: codecOption(given.codec, 'ConfigCache', jsonCodec as Codec<T>),
    validate: given.validate === undefined ? undefined : functionOption<(value: T) => boolean>(given.validate, 'validate', 'ConfigCache'),
    defaultValue: given.defaultValue,
  };
}

/**
 * A configuration value held in one node: read on `start()`, kept current by a watch, re-read after every
 * reconnect and session loss. `get()` is synchronous and returns the latest *valid* value: a write that does
 * not decode (invalid JSON) or fails `validate` is reported as an `invalid` event and the previous value stays.
 * While the node is missing, `get()` returns `defaultValue`.
 *
 * @example
 * ```ts
 * interface Limits { maxConnections: number }
 * const limits = new ConfigCache<Limits>(client, '/config/limits', {
 *   validate: (v) => Number.isInteger(v.maxConnections) && v.maxConnections > 0,
 *   defaultValue: { maxConnections: 100 },
 * });
 * limits.on('change', ({ value }) => pool.resize(value!.maxConnections));
 * limits.on('invalid', (error) => log.warn(error.message));
 * await limits.start();
 * pool.resize(limits.get()!.maxConnections);
 * await limits.set({ maxConnections: 200 });            // an operator's change
 * ```
 */
export class ConfigCache<T = unknown> extends ValueCache<T> {
  private readonly defaultValue: T | undefined;

  /** Checks the arguments; does no I/O. */
  constructor(client: ZooKeeperClient, path: string, options?: ConfigCacheOptions<T>) {
    const resolved = resolveConfigCacheOptions(options);
    super(client, path, 'ConfigCache', resolved.codec, resolved.validate);
    this.defaultValue = resolved.defaultValue;
  }

  /** The latest valid value (or `defaultValue` while there is none). */
  get(): T | undefined {
    return this.currentValue();
  }

  /**
   * Writes `value` (validated and encoded first: an invalid one rejects with {@link InvalidValueError} and
   * nothing is sent). With `version`, only over that data version (else `BAD_VERSION`); without, over any
   * version, creating the node when missing. Resolves with the node's new stat; `get()` returns the value then.
   */
  set(value: T, options?: { version?: number } & WaitOptions): Promise<Stat> {
    return this.write(value, options?.version, options, 'set()');
  }

  protected override absentValue(): T | undefined {
    return this.defaultValue;
  }
}
