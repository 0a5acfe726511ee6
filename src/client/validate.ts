/** Argument checks that run before anything is sent: data payloads, versions, timeouts, ACLs. */
import { inspect } from 'node:util';
import type { Acl, CreateMode, WaitOptions } from './types';

const CREATE_MODES: ReadonlySet<unknown> = new Set<CreateMode>([
  'persistent',
  'persistent-sequential',
  'ephemeral',
  'ephemeral-sequential',
  'container',
  'persistent-with-ttl',
  'persistent-sequential-with-ttl',
]);

/** Longest TTL a server accepts: it keeps the TTL in 40 bits of the node's ephemeral owner (EphemeralType.TTL). */
export const MAX_TTL_MS = 0xff_ffff_ffff;

/** Whether a create mode is one of the TTL modes. */
export function isTtlMode(mode: CreateMode): boolean {
  return mode === 'persistent-with-ttl' || mode === 'persistent-sequential-with-ttl';
}

/**
 * Checks `ttlMs` against the mode: required (an integer 1..{@link MAX_TTL_MS}) for the TTL modes, refused
 * for the others.
 */
export function validateTtl(mode: CreateMode, ttlMs: unknown): number | undefined {
  if (!isTtlMode(mode)) {
    if (ttlMs !== undefined) throw new TypeError(`ttlMs is only for the *-with-ttl modes, not ${mode}`);
    return undefined;
  }
  if (typeof ttlMs !== 'number' || !Number.isInteger(ttlMs)) {
    throw new TypeError(`mode ${mode} needs ttlMs, an integer number of milliseconds, got ${describe(ttlMs)}`);
  }
  if (ttlMs < 1 || ttlMs > MAX_TTL_MS) throw new RangeError(`ttlMs must be between 1 and ${MAX_TTL_MS}, got ${ttlMs}`);
  return ttlMs;
}

/** Checks a create mode (`undefined` is `persistent`); throws `TypeError` for anything else. */
export function validateMode(mode: unknown): CreateMode {
  if (mode === undefined) return 'persistent';
  if (!CREATE_MODES.has(mode)) throw new TypeError(`mode must be one of ${[...CREATE_MODES].join(', ')}, got ${describe(mode)}`);
  return mode as CreateMode;
}

/** ZooKeeper's default `jute.maxbuffer`: the largest node payload a server accepts. */
export const MAX_DATA_BYTES = 1024 * 1024;

/**
 * ZooKeeper's default `jute.maxbuffer` (0xfffff): the longest request a server reads. It drops the connection
 * on a longer one, so such a request would only ever cost reconnects; it is refused before it is sent.
 */
export const MAX_REQUEST_BYTES = 0xfffff;

/** Encoded sizes of request parts, as the jute encoding lays them out. */
export const encodedSize = {
  /** Request header: xid and op code. */
  header: 8,
  /** A length-prefixed UTF-8 string. */
  string: (value: string): number => 4 + Buffer.byteLength(value, 'utf8'),
  /** A length-prefixed byte buffer. */
  buffer: (value: Buffer): number => 4 + value.length,
  /** A vector of ACL entries (perms, scheme, id). */
  acl: (acl: readonly Acl[]): number =>
    4 + acl.reduce((sum, entry) => sum + 4 + encodedSize.string(entry.scheme) + encodedSize.string(entry.id), 0),
};

/** Throws a `RangeError` when a request of `bytes` (without its length prefix) is too long for the server. */
export function checkRequestSize(bytes: number, operation: string): void {
  if (bytes > MAX_REQUEST_BYTES) {
    throw new RangeError(
      `${operation} request would be ${bytes} bytes; ZooKeeper (default jute.maxbuffer) accepts at most ${MAX_REQUEST_BYTES}`,
    );
  }
}

/** Converts a payload to a Buffer; throws `TypeError` for other types and `RangeError` when it is too large. */
export function toPayload(data: unknown, what = 'data'): Buffer {
  let buffer: Buffer;
  if (data === undefined || data === null) buffer = Buffer.alloc(0);
  else if (typeof data === 'string') buffer = Buffer.from(data, 'utf8');
  else if (Buffer.isBuffer(data)) buffer = data;
  else if (data instanceof Uint8Array) buffer = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  else throw new TypeError(`${what} must be a Buffer, Uint8Array or string, got ${describe(data)}`);
  if (buffer.length > MAX_DATA_BYTES) {
    throw new RangeError(`${what} is ${buffer.length} bytes; ZooKeeper accepts at most ${MAX_DATA_BYTES}`);
  }
  return buffer;
}

/** Checks a version: an integer >= -1 (`-1` means any version). */
export function validateVersion(version: unknown, what = 'version'): number {
  if (version === undefined) return -1;
  if (typeof version !== 'number' || !Number.isInteger(version)) {
    throw new TypeError(`${what} must be an integer, got ${describe(version)}`);
  }
  if (version < -1 || version > 0x7fffffff) throw new RangeError(`${what} must be between -1 and 2^31-1, got ${version}`);
  return version;
}

/** Checks a duration option: a finite number >= 0 (or undefined). */
export function validateDuration(value: unknown, what: string): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || Number.isNaN(value)) throw new TypeError(`${what} must be a number, got ${describe(value)}`);
  if (value < 0 || !Number.isFinite(value)) throw new RangeError(`${what} must be a finite number >= 0, got ${value}`);
  return value;
}

/** Checks `{ timeoutMs, signal }`. */
export function validateWaitOptions(options: WaitOptions | undefined): void {
  if (options === undefined) return;
  if (typeof options !== 'object' || options === null) throw new TypeError('options must be an object');
  validateDuration(options.timeoutMs, 'timeoutMs');
  if (options.signal !== undefined && !(options.signal instanceof AbortSignal)) {
    throw new TypeError('signal must be an AbortSignal');
  }
}

/** Checks an ACL list. */
export function validateAcl(acl: unknown, what = 'acl'): Acl[] {
  if (!Array.isArray(acl) || acl.length === 0) throw new TypeError(`${what} must be a non-empty array of ACL entries`);
  for (const entry of acl as unknown[]) {
    const e = entry as Partial<Acl> | null;
    if (
      typeof e !== 'object' ||
      e === null ||
      typeof e.scheme !== 'string' ||
      e.scheme === '' ||
      typeof e.id !== 'string' ||
      !isPerms(e.perms)
    ) {
      throw new TypeError(`${what} entries must be { perms: 1..31, scheme: non-empty string, id: string }`);
    }
  }
  return acl as Acl[];
}

/** True for a valid permission mask: an integer 1..31 (a bitwise OR of `Perms`). */
export function isPerms(perms: unknown): perms is number {
  return typeof perms === 'number' && Number.isInteger(perms) && perms >= 1 && perms <= 31;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? (value.constructor?.name ?? 'an object') : `${typeof value} ${inspect(value)}`;
}
