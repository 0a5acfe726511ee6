/**
 * {@link ValueCache}: one node held as a typed value (decoded, validated, the last valid one kept) — the part
 * {@link ConfigCache} and {@link SharedValue} share.
 */
import { isZkError } from '../../client/errors';
import type { Stat, WaitOptions, ZooKeeperClient } from '../../client/types';
import { validateVersion, validateWaitOptions } from '../../client/validate';
import { toError } from '../shared/recipe';
import type { CacheChange, CachedNode } from './cache-engine';
import type { Codec } from '../shared/codec';
import { InvalidValueError } from './errors';
import { SingleNodeRecipe, type SingleNodeEvents } from './single-node-recipe';

/** A change of a typed value. */
export interface ValueChange<T> {
  /** The value now (a cache's default, or `undefined`, once the node is deleted). */
  readonly value: T | undefined;
  /** The value before. */
  readonly previous: T | undefined;
  /** Stat of the node the value was read from (`undefined` when it does not exist). */
  readonly stat: Stat | undefined;
  /** True when a re-read after a gap (reconnect, new session) found the change rather than a watch. */
  readonly resync: boolean;
}

/** Events of the typed value recipes: `change` (a new valid value, or the node deleted), `resynced`, `error`, and: */
export interface ValueCacheEvents<T> extends SingleNodeEvents<ValueChange<T>> {
  /** The node holds bytes that are not a valid value; the last valid value is kept. */
  invalid: (error: InvalidValueError) => void;
}

/** A typed value and the stat it came from. */
export interface VersionedValue<T> {
  /** The value. */
  readonly value: T;
  /** The node's data version it was read at (what `trySet` expects). */
  readonly version: number;
}

/** Base of the typed value recipes; see the module comment. */
export abstract class ValueCache<T> extends SingleNodeRecipe<ValueChange<T>, VersionedValue<T> | undefined, ValueCacheEvents<T>> {
  private valid: { value: T; stat: Stat } | undefined;

  protected constructor(
    client: ZooKeeperClient,
    path: string,
    recipeName: string,
    private readonly codec: Codec<T>,
    private readonly validate: ((value: T) => boolean) | undefined,
  ) {
    super(client, path, recipeName, true);
  }

  /** The last valid value with its version; `undefined` while the node is missing or has held no valid value. */
  versioned(): VersionedValue<T> | undefined {
    return this.valid === undefined ? undefined : { value: this.valid.value, version: this.valid.stat.version };
  }

  /** The value a missing node stands for. */
  protected abstract absentValue(): T | undefined;

  /** The current value: the last valid one, or {@link ValueCache.absentValue} when there is none. */
  protected currentValue(): T | undefined {
    return this.valid === undefined ? this.absentValue() : this.valid.value;
  }

  protected override waitState(): VersionedValue<T> | undefined {
    return this.versioned();
  }

  /**
   * Encodes and checks `value` (rejecting with {@link InvalidValueError} before anything is sent), then writes
   * it: with `version`, only over that data version (`BAD_VERSION` otherwise); without, over any version,
   * creating the node and its parents when missing. The cache shows the value once this resolves.
   */
  protected async write(value: T, version: number | undefined, options: WaitOptions | undefined, operation: string): Promise<Stat> {
    validateWaitOptions(options);
    validateVersion(version);
    await this.whenStarted(operation);
    const data = this.encode(value);
    const wait = { timeoutMs: options?.timeoutMs, signal: options?.signal };
    for (;;) {
      try {
        const stat = await this.client.setData(this.path, data, { ...wait, version: version ?? -1 });
        this.engine.applyWrite(this.path, data, stat);
        return stat;
      } catch (error) {
        if (version !== undefined && version !== -1) throw error;
        if (!isZkError(error, 'NO_NODE')) throw error;
      }
      try {
        await this.client.create(this.path, data, { ...wait, createParents: true });
        // The stat comes with the watch's read (create returns only the path on every server).
        return await this.readBack(wait);
      } catch (error) {
        if (!isZkError(error, 'NODE_EXISTS')) throw error; // created meanwhile: set it again
      }
    }
  }

  private async readBack(wait: WaitOptions): Promise<Stat> {
    const { data, stat } = await this.client.getData(this.path, wait);
    this.engine.applyWrite(this.path, data, stat);
    return stat;
  }

  private encode(value: T): Buffer {
    let data: Buffer;
    try {
      data = this.codec.encode(value);
    } catch (error) {
      throw new InvalidValueError(`${this.what}: value cannot be encoded: ${toError(error).message}`, { path: this.path, cause: error });
    }
    this.check(value, data, undefined);
    return data;
  }

  /** Throws {@link InvalidValueError} when `validate` refuses `value` (returns false or throws). */
  private check(value: T, raw: Buffer, version: number | undefined): void {
    if (this.validate === undefined) return;
    let verdict: unknown; // only `true` passes, whatever a JavaScript validator returns
    try {
      verdict = this.validate(value);
    } catch (error) {
      const which = version === undefined ? 'value' : `version ${version}`;
      throw new InvalidValueError(`${this.what}: ${which} failed validation: ${toError(error).message}`, { path: this.path, version, raw, cause: error });
    }
    const which = version === undefined ? 'value' : `version ${version}`;
    if (verdict !== true) throw new InvalidValueError(`${this.what}: ${which} failed validation`, { path: this.path, version, raw });
  }

  protected override onNodeChange(change: CacheChange): void {
    const previous = this.currentValue();
    if (change.type === 'removed') {
      this.valid = undefined;
      this.publish({ value: this.absentValue(), previous, stat: undefined, resync: change.resync });
      return;
    }
    const value = this.decode(change.node);
    if (value === undefined) return;
    this.valid = { value: value.value, stat: change.node.stat };
    this.publish({ value: value.value, previous, stat: change.node.stat, resync: change.resync });
  }

  /** The node's value, or `undefined` (after an `invalid` event) when its bytes are not a valid one. */
  private decode(node: CachedNode): { value: T } | undefined {
    const raw = node.data ?? Buffer.alloc(0);
    const { version } = node.stat;
    try {
      let value: T;
      try {
        value = this.codec.decode(raw);
      } catch (error) {
        throw new InvalidValueError(`${this.what}: version ${version} cannot be decoded: ${toError(error).message}`, {
          path: this.path,
          version,
          raw,
          cause: error,
        });
      }
      this.check(value, raw, version);
      return { value };
    } catch (error) {
      this.safeEmit('invalid', error as InvalidValueError);
      return undefined;
    }
  }
}
