/**
 * {@link SharedValue} and {@link SharedCount}: a value every participant sees and may change with a
 * compare-and-set on the node's version, as Curator's SharedValue / SharedCount (same node, same bytes).
 */
import { isZkError } from '../../client/errors';
import type { Stat, WaitOptions, ZooKeeperClient } from '../../client/types';
import { validateWaitOptions } from '../../client/validate';
import { bufferCodec, type Codec } from '../shared/codec';
import { int32Codec } from './codecs';
import { ValueCache } from './value-cache';
import { optionsObject } from '../shared/options';
import { codecOption } from './validate';

/** Options of a {@link SharedValue}. */
export interface SharedValueOptions<T> {
  /** The value the node is created with on `start()` when it does not exist (as Curator's seed value). @default empty bytes */
  seedValue?: T;
  /** How the node's bytes become a value and back. @default the bytes as they are (`Buffer`) */
  codec?: Codec<T>;
}

/** The resolved options of a {@link SharedValue}. */
interface ResolvedSharedValueOptions<T> {
  codec: Codec<T>;
  seed: Buffer;
}

/** Checks {@link SharedValueOptions} (the seed is encoded now, so a bad one fails here) and fills in defaults. */
export function resolveSharedValueOptions<T>(options: SharedValueOptions<T> | undefined, fallback: Codec<T>): ResolvedSharedValueOptions<T> {
  const given = optionsObject(options, 'SharedValue');
  const codec = codecOption(given.codec, 'SharedValue', fallback);
  return { codec, seed: given.seedValue === undefined ? Buffer.alloc(0) : codec.encode(given.seedValue) };
}

/**
 * A shared value: created with `seedValue` on `start()` when missing, then kept current by a watch (re-read
 * after reconnects and session loss, changes marked `resync`). `trySet(value, expectedVersion)` writes only
 * when nobody wrote since that version was read: the distributed compare-and-set.
 *
 * @example
 * ```ts
 * const leaderEpoch = new SharedValue(client, '/cluster/epoch', { seedValue: Buffer.from('0') });
 * await leaderEpoch.start();
 * const { value, version } = leaderEpoch.versioned()!;
 * if (await leaderEpoch.trySet(Buffer.from(String(Number(value) + 1)), version)) console.log('epoch bumped');
 * ```
 */
export class SharedValue<T = Buffer> extends ValueCache<T> {
  /** The class name used in messages (a subclass names itself). */
  protected static readonly recipeName: string = 'SharedValue';
  private readonly seed: Buffer;

  /** Checks the arguments; does no I/O. */
  constructor(client: ZooKeeperClient, path: string, options?: SharedValueOptions<T>) {
    const resolved = resolveSharedValueOptions(options, bufferCodec as unknown as Codec<T>);
    super(client, path, new.target.recipeName, resolved.codec, undefined);
    this.seed = resolved.seed;
  }

  /** The current value (`undefined` while the node is missing or holds no valid value). */
  get value(): T | undefined {
    return this.currentValue();
  }

  /** Writes `value` whatever the version (Curator's `setValue`). Resolves with the new stat. */
  set(value: T, options?: WaitOptions): Promise<Stat> {
    return this.write(value, undefined, options, 'set()');
  }

  /**
   * Writes `value` only if the node is still at `expectedVersion` (from {@link SharedValue.versioned}).
   * Resolves `true` when written, `false` when someone else wrote first (the cache then catches up by itself).
   */
  async trySet(value: T, expectedVersion: number, options?: WaitOptions): Promise<boolean> {
    validateWaitOptions(options);
    if (typeof expectedVersion !== 'number' || !Number.isInteger(expectedVersion) || expectedVersion < 0) {
      throw new TypeError(`expectedVersion must be an integer >= 0 (a version read from versioned()), got ${String(expectedVersion)}`);
    }
    try {
      await this.write(value, expectedVersion, options, 'trySet()');
      return true;
    } catch (error) {
      if (isZkError(error, 'BAD_VERSION', 'NO_NODE')) return false;
      throw error;
    }
  }

  protected override async onStart(): Promise<void> {
    try {
      await this.client.create(this.path, this.seed, { createParents: true });
    } catch (error) {
      if (!isZkError(error, 'NODE_EXISTS')) throw error;
    }
    await super.onStart();
  }

  protected override absentValue(): T | undefined {
    return undefined;
  }
}

/** Options of a {@link SharedCount}. */
export interface SharedCountOptions {
  /** The count the node is created with on `start()` when it does not exist. @default 0 */
  seedValue?: number;
}

/** Checks {@link SharedCountOptions} (`seedValue`: an integer that fits in 32 bits) and fills in defaults. */
export function resolveSharedCountOptions(options: SharedCountOptions | undefined): { seedValue: number } {
  const { seedValue = 0 } = optionsObject(options, 'SharedCount');
  if (typeof seedValue !== 'number' || !Number.isInteger(seedValue)) {
    throw new TypeError(`SharedCount: seedValue must be an integer, got ${String(seedValue)}`);
  }
  if (seedValue < -0x80000000 || seedValue > 0x7fffffff) {
    throw new RangeError(`SharedCount: seedValue must fit in 32 bits (Curator's int), got ${seedValue}`);
  }
  return { seedValue };
}

/**
 * A shared 32-bit count, byte-compatible with Curator's `SharedCount` (a 4-byte big-endian int in the node):
 * Java and Node services can share one. Other lengths in the node are reported as `invalid`.
 *
 * @example
 * ```ts
 * const slots = new SharedCount(client, '/jobs/slots', { seedValue: 10 });
 * await slots.start();
 * for (;;) {
 *   const { value, version } = slots.versioned()!;
 *   if (value === 0 || (await slots.trySet(value - 1, version))) break;
 * }
 * ```
 */
export class SharedCount extends SharedValue<number> {
  protected static override readonly recipeName: string = 'SharedCount';

  /** Checks the arguments; does no I/O. */
  constructor(client: ZooKeeperClient, path: string, options?: SharedCountOptions) {
    super(client, path, { seedValue: resolveSharedCountOptions(options).seedValue, codec: int32Codec });
  }

  /** The current count (`undefined` while the node is missing or does not hold 4 bytes). */
  get count(): number | undefined {
    return this.value;
  }
}
