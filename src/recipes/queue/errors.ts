/** Errors of the queue recipes, each branded (`instanceof` holds across the ESM and CJS copies). */
import { brand } from '../../client/brand';
import { RecipeTimeoutError } from '../shared/errors';

/**
 * `take()` found no item within `timeoutMs`. Nothing was claimed or removed.
 *
 * @example
 * ```ts
 * const job = await queue.take({ timeoutMs: 5_000 }).catch((error: unknown) => {
 *   if (error instanceof QueueTimeoutError) return undefined; // idle: try again later
 *   throw error;
 * });
 * ```
 */
export class QueueTimeoutError extends RecipeTimeoutError {
  override readonly name: string = 'QueueTimeoutError';
}
brand(QueueTimeoutError, 'QueueTimeoutError');

/** The {@link QueueTimeoutError} of `what` (e.g. `DistributedQueue /jobs`) at `path` after `timeoutMs`. */
export function queueTimeout(what: string, path: string, timeoutMs: number): QueueTimeoutError {
  return new QueueTimeoutError(`${what}: no item within ${timeoutMs} ms`, { path, timeoutMs });
}

/**
 * An item is larger than one ZooKeeper node (or one request) can hold. Thrown before anything is written:
 * none of the items of a `putMany()` is written then.
 */
export class ItemTooLargeError extends RangeError {
  override readonly name: string = 'ItemTooLargeError';
  /** Encoded size of the item (or of the whole `putMany()` transaction), in bytes. */
  readonly bytes: number;
  /** The most the queue accepts, in bytes. */
  readonly limit: number;

  constructor(what: string, bytes: number, limit: number) {
    super(`${what}: item is ${bytes} bytes encoded; one queue write takes at most ${limit} (ZooKeeper's jute.maxbuffer)`);
    this.bytes = bytes;
    this.limit = limit;
  }
}
brand(ItemTooLargeError, 'ItemTooLargeError');

/**
 * The codec could not encode an item (e.g. JSON with a cycle, a `BigInt`, `undefined`), or could not decode
 * an item read from the queue. An item that cannot be encoded is never written.
 */
export class ItemSerializationError extends TypeError {
  override readonly name: string = 'ItemSerializationError';
}
brand(ItemSerializationError, 'ItemSerializationError');

/** `element()` or `remove()` of a {@link SimpleDistributedQueue} found the queue empty (Java's NoSuchElementException). */
export class QueueEmptyError extends Error {
  override readonly name: string = 'QueueEmptyError';
}
brand(QueueEmptyError, 'QueueEmptyError');
