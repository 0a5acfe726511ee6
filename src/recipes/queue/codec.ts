/** How queue items become node data and back (through a shared {@link Codec}), with the size check every write passes first. */
import type { Codec } from '../shared/codec';
import { MAX_DATA_BYTES, MAX_REQUEST_BYTES } from '../../client/validate';
import { ItemSerializationError, ItemTooLargeError } from './errors';

/**
 * Room a create request needs besides its data: header, path (a queue path is short; 512 bytes is generous),
 * flags and an ACL list. Keeping it out of the data limit means a request never reaches the server's
 * `jute.maxbuffer`, where the server would drop the connection instead of answering.
 */
const REQUEST_OVERHEAD_BYTES = 1024;

/** The largest encoded item a queue writes. */
export const MAX_ITEM_BYTES = Math.min(MAX_DATA_BYTES, MAX_REQUEST_BYTES) - REQUEST_OVERHEAD_BYTES;

/** Encodes `item`, throwing the queue's typed errors; nothing has been written when it throws. */
export function encodeItem<T>(codec: Codec<T>, item: T, what: string): Buffer {
  let encoded: unknown;
  try {
    encoded = codec.encode(item);
  } catch (error) {
    throw new ItemSerializationError(`${what}: item cannot be encoded: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
  let data: Buffer;
  if (typeof encoded === 'string') data = Buffer.from(encoded, 'utf8');
  else if (Buffer.isBuffer(encoded)) data = encoded;
  else if (encoded instanceof Uint8Array) data = Buffer.from(encoded.buffer, encoded.byteOffset, encoded.byteLength);
  else throw new ItemSerializationError(`${what}: the codec returned ${typeof encoded}, not a Buffer, Uint8Array or string`);
  if (data.length > MAX_ITEM_BYTES) throw new ItemTooLargeError(what, data.length, MAX_ITEM_BYTES);
  return data;
}

/** Decodes node data, wrapping a codec failure in {@link ItemSerializationError}. */
export function decodeItem<T>(codec: Codec<T>, data: Buffer, what: string): T {
  try {
    return codec.decode(data);
  } catch (error) {
    throw new ItemSerializationError(`${what}: item cannot be decoded: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
}
