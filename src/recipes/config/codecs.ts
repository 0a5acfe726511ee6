/**
 * The counters' codecs (the general ones are in ../shared/codec.ts). Their formats are
 * Curator's (SharedCount: a 4-byte big-endian int; DistributedAtomicLong: an 8-byte big-endian long), so Java
 * services and these recipes read and write the same nodes.
 */

import type { Codec } from '../shared/codec';

const INT32_MIN = -0x80000000;
const INT32_MAX = 0x7fffffff;

/** Curator's SharedCount format: exactly 4 bytes, a big-endian two's-complement int. */
export const int32Codec: Codec<number> = {
  encode: (value) => {
    if (typeof value !== 'number' || !Number.isInteger(value)) throw new TypeError(`count must be an integer, got ${String(value)}`);
    if (value < INT32_MIN || value > INT32_MAX) throw new RangeError(`count must fit in 32 bits (Curator's int), got ${value}`);
    const data = Buffer.alloc(4);
    data.writeInt32BE(value);
    return data;
  },
  decode: (data) => {
    if (data.length !== 4) throw new RangeError(`a count is 4 bytes (big-endian int), the node holds ${data.length}`);
    return data.readInt32BE(0);
  },
};

const INT64_MIN = -(1n << 63n);
/** The largest value of Curator's long (and so of a counter node). */
export const INT64_MAX = (1n << 63n) - 1n;

/**
 * Curator's DistributedAtomicLong format: 8 bytes, a big-endian two's-complement long; an empty node is 0 (as
 * Curator reads it). Any other length is corrupt (Curator throws too).
 */
export const int64Codec: Codec<bigint> = {
  encode: (value) => {
    if (typeof value !== 'bigint') throw new TypeError(`value must be a bigint, got ${typeof value}`);
    if (value < INT64_MIN || value > INT64_MAX) throw new RangeError(`value must fit in 64 bits (Curator's long), got ${value}`);
    const data = Buffer.alloc(8);
    data.writeBigInt64BE(value);
    return data;
  },
  decode: (data) => {
    if (data.length === 0) return 0n;
    if (data.length !== 8) throw new RangeError(`a counter is 8 bytes (big-endian long), the node holds ${data.length}`);
    return data.readBigInt64BE(0);
  },
};

/** Wraps a 64-bit result back into Curator's long range (Java's `long` addition overflows the same way). */
export function wrapInt64(value: bigint): bigint {
  return BigInt.asIntN(64, value);
}
