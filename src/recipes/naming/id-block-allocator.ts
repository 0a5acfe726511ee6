/**
 * {@link IdBlockAllocator}: globally unique ids without a round trip per id, as Curator's `CachedAtomicLong`
 * over a `DistributedAtomicLong`: reserve a block of ids by adding its size to a shared counter, then hand
 * them out from memory.
 */
import { validatePath } from '../../client/paths';
import type { WaitOptions, ZooKeeperClient } from '../../client/types';
import { validateWaitOptions } from '../../client/validate';
import { checkClient } from '../shared/check-client';
import { optionsObject } from '../shared/options';
import { addToCounter } from './counter';

/** Options of an {@link IdBlockAllocator}. */
export interface IdBlockAllocatorOptions {
  /** Ids reserved per round trip (Curator's `cacheFactor`). Ids of a block not handed out are lost. @default 100 */
  blockSize?: number;
}

/** The options with their defaults applied. */
export interface ResolvedIdBlockAllocatorOptions {
  /** See {@link IdBlockAllocatorOptions.blockSize}. */
  blockSize: number;
}

/** Applies the defaults; throws `TypeError`/`RangeError` naming the option. */
export function resolveIdBlockAllocatorOptions(options: IdBlockAllocatorOptions | undefined): ResolvedIdBlockAllocatorOptions {
  const { blockSize = 100 } = optionsObject(options, 'IdBlockAllocator');
  if (typeof blockSize !== 'number' || !Number.isInteger(blockSize)) {
    throw new TypeError(`IdBlockAllocator: blockSize must be an integer, got ${String(blockSize)}`);
  }
  if (blockSize < 1 || blockSize > Number.MAX_SAFE_INTEGER) throw new RangeError(`IdBlockAllocator: blockSize must be >= 1, got ${blockSize}`);
  return { blockSize };
}

/**
 * Hands out ids unique across every allocator of the path (and every Curator `CachedAtomicLong` on it): the
 * counter node holds the next free id as an 8-byte big-endian number (Curator's `DistributedAtomicLong`
 * format). `next()` takes ids from the block reserved last and reserves the next block (one compare-and-set
 * on the counter) when it is used up. Ids grow within a block, not across allocators; ids of a block not used
 * up (process exit, a failed reservation) are skipped, never handed out twice.
 *
 * @example
 * ```ts
 * const ids = new IdBlockAllocator(client, '/ids/orders', { blockSize: 1000 });
 * const orderId = await ids.next();            // a bigint; one round trip per 1000 ids
 * ```
 */
export class IdBlockAllocator {
  /** The counter node. */
  readonly path: string;
  private readonly client: ZooKeeperClient;
  private readonly blockSize: number;
  private nextId = 0n;
  private end = 0n;
  private reserving: Promise<void> | undefined;

  /** Checks the arguments; does no I/O. */
  constructor(client: ZooKeeperClient, path: string, options?: IdBlockAllocatorOptions) {
    checkClient(client, 'IdBlockAllocator');
    validatePath(path, 'IdBlockAllocator path');
    this.client = client;
    this.path = path;
    this.blockSize = resolveIdBlockAllocatorOptions(options).blockSize;
  }

  /**
   * The next id; reserves a new block first when the current one is used up (callers meanwhile wait for that
   * reservation, and make their own when it fails: another caller's timeout or abort is not theirs).
   */
  async next(options: WaitOptions = {}): Promise<bigint> {
    validateWaitOptions(options);
    while (this.nextId >= this.end) {
      options.signal?.throwIfAborted();
      const mine = this.reserving === undefined;
      if (mine) this.reserving = this.reserve(options).finally(() => (this.reserving = undefined));
      try {
        await this.reserving;
      } catch (error) {
        if (mine) throw error;
      }
    }
    const id = this.nextId;
    this.nextId += 1n;
    return id;
  }

  /** Adds the block size to the counter: the ids from its value before the add up to its value after are ours. */
  private async reserve(options: WaitOptions): Promise<void> {
    const { preValue, postValue } = await addToCounter(this.client, this.path, BigInt(this.blockSize), options);
    this.nextId = preValue;
    this.end = postValue;
  }
}
