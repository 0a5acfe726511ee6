/**
 * Codecs: how recipes that carry values (queues, config caches, shared values) turn them into node bytes and
 * back. One interface and the two general codecs; a family adds its own formats (e.g. Curator's counters).
 */

/** Turns values into node bytes and back. `encode` and `decode` throw (any error) on what they cannot handle. */
export interface Codec<T> {
  /** The bytes to store for `value`. */
  encode(value: T): Buffer;
  /** The value stored in `data` (written by `encode`, or by another client writing the same format). */
  decode(data: Buffer): T;
}

/**
 * UTF-8 JSON, the default of the typed recipes. `undefined`, functions and symbols (which `JSON.stringify`
 * turns into nothing), cycles and `BigInt`s are refused; an empty node decodes as an error, not `undefined`.
 */
export const jsonCodec: Codec<unknown> = {
  encode(value) {
    const text = JSON.stringify(value);
    if (text === undefined) throw new TypeError(`${typeof value} is not representable as JSON`);
    return Buffer.from(text, 'utf8');
  },
  decode(data) {
    return JSON.parse(data.toString('utf8')) as unknown;
  },
};

/** The bytes as they are (what Curator's and kazoo's byte-oriented recipes read and write). */
export const bufferCodec: Codec<Buffer> = {
  encode(value: unknown) {
    if (Buffer.isBuffer(value)) return value;
    if (value instanceof Uint8Array) return Buffer.from(value.buffer, value.byteOffset, value.byteLength);
    throw new TypeError('value must be a Buffer or Uint8Array');
  },
  decode(data) {
    return data;
  },
};
