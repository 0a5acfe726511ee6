/** {@link ZkClientOptions}, their defaults (from one function) and their validation. */
import { inspect } from 'node:util';
import { OPEN_ACL_UNSAFE } from './acl';
import { ZkError } from './errors';
import type { Logger } from './logger';
import { silentLogger } from './logger';
import { namespacePrefix } from './paths';
import { redactedAuth } from './redact';
import { TlsSettings, type TlsOption } from './tls';
import type { Acl, AuthInfo, TransportName } from './types';
import { validateAcl, validateDuration } from './validate';

/** How failed operations with a retriable code (connection loss, timeouts) are retried. */
export interface RetryPolicy {
  /** Retries after the first attempt. @default 10 */
  retries?: number;
  /** First backoff delay. @default 25 */
  minDelayMs?: number;
  /** Longest backoff delay. @default 1000 */
  maxDelayMs?: number;
  /** Growth factor of the delay. @default 2 */
  factor?: number;
  /** Randomise each delay (×1..2) to spread retries of many clients. @default true */
  jitter?: boolean;
}

/** Options of a {@link ZkClient}. */
export interface ZkClientOptions {
  /** `host:port[,host:port...][/chroot]`. */
  connectString: string;
  /** Requested session timeout; the server may negotiate it into its min..max range. @default 30000 */
  sessionTimeoutMs?: number;
  /** How long `start()` waits for the first connection before it rejects. @default 15000 */
  connectionTimeoutMs?: number;
  /** Deadline of every operation that is given none, also while disconnected. @default 30000 */
  operationTimeoutMs?: number;
  /** Path prefix applied to every call (created on start when missing). @default none */
  namespace?: string;
  /** Retry policy for retriable failures. */
  retry?: RetryPolicy;
  /** Credentials added to every connection (e.g. `{ scheme: 'digest', auth: 'user:pass' }`). @default [] */
  auth?: AuthInfo[];
  /** ACL of nodes created without an explicit one. @default world:anyone with all permissions */
  defaultAcl?: Acl[];
  /** A pino-compatible logger. @default silent */
  logger?: Logger;
  /** Longest random pause before reconnecting once every server was tried. @default 100 */
  reconnectDelayMs?: number;
  /**
   * Which transport speaks the protocol: `zk-recipes` (our own, every operation of ZooKeeper 3.5–3.9) or
   * `node-zookeeper-client` (the 3.4 protocol: the newer operations reject with `UNIMPLEMENTED`).
   * @default 'zk-recipes'
   */
  transport?: TransportName;
  /**
   * Accept a read-only server (one cut off from its quorum, started with `readonlymode.enabled`): the client
   * is then in state `read-only`, writes fail with `NOT_READ_ONLY`, and it looks for a read/write server in
   * the background (`isro` probes), moving there with a new session once one answers (docs/client.md,
   * "Read-only mode"). Our transport only: with `transport: 'node-zookeeper-client'` the constructor throws
   * `UNIMPLEMENTED` (that client cannot ask for read-only mode).
   * @default false
   */
  canBeReadOnly?: boolean;
  /**
   * Connect over TLS (ZooKeeper's `secureClientPort`): `true`, or Node's `tls.ConnectionOptions` (`ca`,
   * `cert` and `key` for mutual TLS, `passphrase`, `servername`, `minVersion`, ...). Every server of the
   * connect string is reached the same way, on every reconnect. Certificates are verified and host names
   * checked unless `rejectUnauthorized: false` is given (logged as a warning). Our transport only: with
   * `transport: 'node-zookeeper-client'` the constructor throws `UNIMPLEMENTED`.
   * @default false
   */
  tls?: TlsOption;
}

/** The options with every default filled in. */
export interface ResolvedOptions {
  connectString: string;
  sessionTimeoutMs: number;
  connectionTimeoutMs: number;
  operationTimeoutMs: number;
  namespace: string;
  retry: Required<RetryPolicy>;
  auth: AuthInfo[];
  defaultAcl: Acl[];
  logger: Logger;
  reconnectDelayMs: number;
  transport: TransportName;
  canBeReadOnly: boolean;
  tls: TlsSettings | undefined;
}

/** Fills in defaults and rejects invalid or conflicting options, naming the option. */
export function resolveOptions(options: ZkClientOptions): ResolvedOptions {
  if (typeof options !== 'object' || options === null) throw new TypeError('ZkClient options must be an object');
  const { connectString } = options;
  if (typeof connectString !== 'string' || connectString.trim() === '') {
    throw new TypeError('connectString must be a non-empty string like "127.0.0.1:2181"');
  }
  const hosts = connectString.split('/')[0] ?? '';
  for (const host of hosts.split(',')) {
    if (!/^[^:\s]+(:\d{1,5})?$/.test(host.trim())) throw new TypeError(`connectString has an invalid host:port "${host}"`);
  }
  const retry = options.retry ?? {};
  const resolvedRetry: Required<RetryPolicy> = {
    retries: integerOption(retry.retries, 'retry.retries', 10),
    minDelayMs: validateDuration(retry.minDelayMs, 'retry.minDelayMs') ?? 25,
    maxDelayMs: validateDuration(retry.maxDelayMs, 'retry.maxDelayMs') ?? 1000,
    factor: validateDuration(retry.factor, 'retry.factor') ?? 2,
    jitter: retry.jitter ?? true,
  };
  if (resolvedRetry.maxDelayMs < resolvedRetry.minDelayMs) {
    throw new RangeError('retry.maxDelayMs must be >= retry.minDelayMs');
  }
  const sessionTimeoutMs = validateDuration(options.sessionTimeoutMs, 'sessionTimeoutMs') ?? 30_000;
  if (sessionTimeoutMs < 100) throw new RangeError('sessionTimeoutMs must be at least 100');
  const auth = options.auth ?? [];
  if (!Array.isArray(auth) || auth.some((a) => typeof a?.scheme !== 'string' || (typeof a.auth !== 'string' && !Buffer.isBuffer(a.auth)))) {
    throw new TypeError('auth must be an array of { scheme: string, auth: string | Buffer }');
  }
  const transport = transportOption(options.transport);
  const tls = TlsSettings.resolve(options.tls);
  if (tls && transport === 'node-zookeeper-client') {
    throw new ZkError('tls: UNIMPLEMENTED (the node-zookeeper-client transport cannot speak TLS; use the default transport)', {
      code: 'UNIMPLEMENTED',
      operation: 'connect',
    });
  }
  const canBeReadOnly = booleanOption(options.canBeReadOnly, 'canBeReadOnly', false);
  if (canBeReadOnly && transport === 'node-zookeeper-client') {
    throw new ZkError('canBeReadOnly: UNIMPLEMENTED (the node-zookeeper-client transport cannot ask for read-only mode; use the default transport)', {
      code: 'UNIMPLEMENTED',
      operation: 'connect',
    });
  }
  return {
    connectString,
    sessionTimeoutMs,
    connectionTimeoutMs: validateDuration(options.connectionTimeoutMs, 'connectionTimeoutMs') ?? 15_000,
    operationTimeoutMs: validateDuration(options.operationTimeoutMs, 'operationTimeoutMs') ?? 30_000,
    namespace: namespacePrefix(options.namespace),
    retry: resolvedRetry,
    auth: auth.map(redactedAuth), // a copy (addAuth() appends to it), and one that never prints a password
    defaultAcl: options.defaultAcl === undefined ? OPEN_ACL_UNSAFE : validateAcl(options.defaultAcl, 'defaultAcl'),
    logger: options.logger ?? silentLogger,
    reconnectDelayMs: validateDuration(options.reconnectDelayMs, 'reconnectDelayMs') ?? 100,
    transport,
    canBeReadOnly,
    tls,
  };
}

function integerOption(value: unknown, what: string, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
    throw new RangeError(`${what} must be an integer >= 0, got ${inspect(value)}`);
  }
  return value;
}

const TRANSPORTS: ReadonlySet<unknown> = new Set<TransportName>(['zk-recipes', 'node-zookeeper-client']);

function transportOption(value: unknown): TransportName {
  if (value === undefined) return 'zk-recipes';
  if (!TRANSPORTS.has(value)) throw new TypeError(`transport must be one of ${[...TRANSPORTS].join(', ')}, got ${inspect(value)}`);
  return value as TransportName;
}

function booleanOption(value: unknown, what: string, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') throw new TypeError(`${what} must be a boolean, got ${inspect(value)}`);
  return value;
}
