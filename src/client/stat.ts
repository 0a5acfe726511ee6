/** Conversion of the wire client's Stat record into our typed {@link Stat}. */
import type { Stat } from './types';

function readLong(value: unknown): bigint {
  if (Buffer.isBuffer(value) && value.length === 8) return value.readBigInt64BE(0);
  if (typeof value === 'number') return BigInt(value);
  if (typeof value === 'bigint') return value;
  return 0n;
}

/** Builds a {@link Stat} from the wire record (64-bit fields arrive as 8-byte buffers). */
export function toStat(raw: unknown): Stat {
  const r = (raw ?? {}) as Record<string, unknown>;
  return {
    czxid: readLong(r.czxid),
    mzxid: readLong(r.mzxid),
    pzxid: readLong(r.pzxid),
    ctime: Number(readLong(r.ctime)),
    mtime: Number(readLong(r.mtime)),
    version: Number(r.version ?? 0),
    cversion: Number(r.cversion ?? 0),
    aversion: Number(r.aversion ?? 0),
    ephemeralOwner: readLong(r.ephemeralOwner),
    dataLength: Number(r.dataLength ?? 0),
    numChildren: Number(r.numChildren ?? 0),
  };
}

/** Formats a session id (8 bytes or bigint) as 16 hex digits, as ZooKeeper's logs do. */
export function sessionIdHex(id: Buffer | bigint): string {
  const value = typeof id === 'bigint' ? BigInt.asUintN(64, id) : id.readBigUInt64BE(0);
  return value.toString(16).padStart(16, '0');
}
