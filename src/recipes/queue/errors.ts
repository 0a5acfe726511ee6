/** Errors of the queue recipes. */
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
  /** The queue's path. */
  readonly path: string;

  constructor(path: string, timeoutMs: number, what = `queue ${path}`) {
    super(`${what}: no item within ${timeoutMs} ms`, timeoutMs);
    this.path = path;
  }
}

/**
 * An item is larger than one ZooKeeper node (or one request) can hold. Thrown before anything is written:
 * none of the items of a `putMany()` is written then.
 */
export class ItemTooLargeError extends RangeError {
  override readonly name = 'ItemTooLargeError' as const;
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

/**
 * The codec could not encode an item (e.g. JSON with a cycle, a `BigInt`, `undefined`), or could not decode
 * an item read from the queue. An item that cannot be encoded is never written.
 */
export class ItemSerializationError extends TypeError {
  override readonly name = 'ItemSerializationError' as const;
}

/** `element()` or `remove()` of a {@link SimpleDistributedQueue} found the queue empty (Java's NoSuchElementException). */
export class QueueEmptyError extends Error {
  override readonly name = 'QueueEmptyError' as const;
}
