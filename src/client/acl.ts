/**
 * ACL entries and ids for ZooKeeper's built-in schemes (`world`, `auth`, `digest`, `ip`, `x509`), so nobody
 * hand-computes a digest id or misspells a scheme. Every builder checks its input and throws a `TypeError`
 * (wrong type or form) or `RangeError` (permissions out of range) before anything reaches a server.
 */
import { createHash } from 'node:crypto';
import { isIPv4 } from 'node:net';
import { Perms, type Acl } from './types';
import { isPerms } from './validate';

/** The open ACL (`world:anyone`, all permissions). */
export const OPEN_ACL_UNSAFE: Acl[] = [{ perms: Perms.ALL, scheme: 'world', id: 'anyone' }];
/** All permissions for the authenticated creator (`auth:`). */
export const CREATOR_ALL_ACL: Acl[] = [{ perms: Perms.ALL, scheme: 'auth', id: '' }];
/** Read permission for anyone. */
export const READ_ACL_UNSAFE: Acl[] = [{ perms: Perms.READ, scheme: 'world', id: 'anyone' }];

/**
 * ZooKeeper's digest id of `user` and `password`: `user:base64(sha1("user:password"))`, as the Java
 * `DigestAuthenticationProvider.generateDigest` computes it (UTF-8). The password may contain `:`; the user
 * may not, since the server splits the credentials at the first `:`.
 *
 * @example
 * ```ts
 * digestId('user', 'password'); // 'user:tpUq/4Pn5A64fVZyQ0gOJ8ZWqkY='
 * ```
 */
export function digestId(user: string, password: string): string {
  checkDigestUser(user);
  if (typeof password !== 'string') throw new TypeError('digest password must be a string');
  const hash = createHash('sha1').update(`${user}:${password}`, 'utf8').digest('base64');
  return `${user}:${hash}`;
}

/**
 * Builders of single ACL entries. Pass one or more to `create(path, data, { acl: [...] })`, `setACL` or the
 * client's `defaultAcl`.
 *
 * @example
 * ```ts
 * await client.create('/config', data, {
 *   acl: [acl.digest('admin', adminPassword, Perms.ALL), acl.world(Perms.READ)],
 * });
 * ```
 */
export const acl = {
  /** Anyone (`world:anyone`). */
  world(perms: number): Acl {
    return { perms: checkPerms(perms), scheme: 'world', id: 'anyone' };
  },
  /** Every identity the creating session has authenticated as (`auth:`); the server expands it at create. */
  auth(perms: number): Acl {
    return { perms: checkPerms(perms), scheme: 'auth', id: '' };
  },
  /** A digest user (`digest:user:base64(sha1(user:password))`); see {@link digestId}. */
  digest(user: string, password: string, perms: number): Acl {
    return { perms: checkPerms(perms), scheme: 'digest', id: digestId(user, password) };
  },
  /**
   * A TLS client certificate (`x509:<subject>`): the subject's distinguished name as the server prints it
   * (RFC 2253, e.g. `CN=app,O=example`), which is what `whoAmI` reports for the connection.
   */
  x509(subject: string, perms: number): Acl {
    if (typeof subject !== 'string' || subject.trim() === '') throw new TypeError('x509 subject must be a non-empty string');
    return { perms: checkPerms(perms), scheme: 'x509', id: subject };
  },
  /**
   * Clients from an IPv4 address or network (`ip:10.0.0.0/8`, `ip:127.0.0.1`). IPv4 only: ZooKeeper 3.8's
   * `ip` scheme refuses anything else with INVALID_ACL.
   */
  ip(cidr: string, perms: number): Acl {
    return { perms: checkPerms(perms), scheme: 'ip', id: checkIpv4Cidr(cidr) };
  },
  /** {@link OPEN_ACL_UNSAFE}: anyone may do anything. */
  OPEN: OPEN_ACL_UNSAFE,
  /** {@link CREATOR_ALL_ACL}: only the authenticated creator. */
  CREATOR_ALL: CREATOR_ALL_ACL,
  /** {@link READ_ACL_UNSAFE}: anyone may read. */
  READ: READ_ACL_UNSAFE,
} as const;

function checkDigestUser(user: unknown): asserts user is string {
  if (typeof user !== 'string') throw new TypeError('digest user must be a string');
  if (user === '') throw new TypeError('digest user must not be empty');
  if (user.includes(':')) throw new TypeError('digest user must not contain ":" (the server splits user:password at the first ":")');
}

function checkPerms(perms: unknown): number {
  if (typeof perms !== 'number') throw new TypeError(`perms must be a number (a bitwise OR of Perms), got ${typeof perms}`);
  const given = perms; // for the message: isPerms narrows `perms` to never when it fails
  if (!isPerms(perms)) throw new RangeError(`perms must be an integer 1..31 (a bitwise OR of Perms), got ${given}`);
  return perms;
}

function checkIpv4Cidr(cidr: unknown): string {
  if (typeof cidr !== 'string') throw new TypeError('ip must be a string like "10.0.0.0/8" or "127.0.0.1"');
  const [address = '', bits, ...rest] = cidr.split('/');
  const validBits = bits === undefined || (/^\d{1,2}$/.test(bits) && Number(bits) <= 32);
  if (!isIPv4(address) || !validBits || rest.length > 0) {
    throw new TypeError(`ip must be an IPv4 address with an optional /0..32 prefix length, got ${JSON.stringify(cidr)}`);
  }
  return cidr;
}
