/**
 * The seam between the client and a wire transport. {@link Connection} and {@link ZkClient} depend on this
 * interface only; two implementations sit behind it: our own protocol engine (`protocol/session.ts`, the
 * default) and the node-zookeeper-client adapter (`wire.ts`). Paths here are server paths (namespace applied,
 * chroot not: the transport adds the connect string's chroot itself).
 */
import type * as net from 'node:net';
import { codeName } from './error-codes';
import { ZkError } from './errors';
import type { Logger } from './logger';
import type {
  Acl,
  AuthInfo,
  ClientIdentity,
  CreateMode,
  MultiReadOp,
  MultiReadResult,
  PersistentWatchMode,
  Stat,
  TransactionOp,
  TransactionResult,
  WatchEvent,
  WatchKind,
} from './types';

/** States a transport reports. */
export type TransportState = 'connected' | 'read-only' | 'disconnected' | 'expired' | 'auth-failed';

/** Options of a {@link Transport}. */
export interface TransportOptions {
  /** `host:port,...` with optional chroot. */
  connectString: string;
  /** Requested session timeout. */
  sessionTimeoutMs: number;
  /** Longest random pause after every server was tried once. */
  reconnectDelayMs: number;
  /** Credentials (re)sent on every connection. */
  auth: AuthInfo[];
  /** Accept a read-only server (one cut off from its quorum) when no other answers. */
  canBeReadOnly: boolean;
  /** Where protocol trouble (a dropped connection and why) is logged. */
  logger: Logger;
  /** Called on every state change while the session is not abandoned. */
  onState: (state: TransportState) => void;
  /**
   * Opens the socket to one server (TLS, for one). Transports that own no socket ignore it.
   * @default a plain TCP connection
   */
  createSocket?: (host: string, port: number) => net.Socket;
}

/** A watch callback as a transport passes it on (server path, chroot removed). */
export type WatchCallback = (event: WatchEvent) => void;

/** A create as a transport takes it. */
export interface CreateRequest {
  path: string;
  data: Buffer;
  acl: Acl[];
  mode: CreateMode;
  /** For the `*-with-ttl` modes. */
  ttlMs?: number;
}

/** A transaction op with its payload and ACL resolved. */
export type TransportTransactionOp = TransactionOp & { data?: Buffer; acl?: Acl[] };

/**
 * One ZooKeeper session. Reconnects by itself while the session lives; once it expired (or was abandoned) a
 * new one must be made. Every operation rejects with a {@link ZkError}; an operation the transport or the
 * server cannot do rejects with `UNIMPLEMENTED`.
 */
export interface Transport {
  /** Starts connecting (and reconnecting, while the session lives). */
  connect(): void;
  /** Session id, 8 bytes (zeros before the first connect). */
  readonly sessionId: Buffer;
  /** Session password, 16 bytes. */
  readonly password: Buffer;
  /** Negotiated session timeout (the requested one before the first connect). */
  readonly timeoutMs: number;
  /** `host:port` of the server the socket is connected to, if any. */
  readonly server: string;
  /** Why the last connection attempt failed (ECONNREFUSED, ENOTFOUND, a reply that is not ZooKeeper's), if it did. */
  readonly lastConnectError: Error | undefined;
  /** Drops the current connection; the transport reconnects (to the next server) by itself. */
  dropConnection(): void;
  /** Ends the session (close-session when connected, waiting at most `timeoutMs`), then abandons it. */
  close(timeoutMs: number): Promise<void>;
  /** Gives the session up without telling the server: no event, no callback any more; pending ops fail. */
  abandon(): void;
  /** Adds credentials now and for every later connection of this session. */
  addAuth(auth: AuthInfo): void;

  /** Creates a node; the Stat comes back where the transport can get it (create2). */
  create(request: CreateRequest): Promise<{ path: string; stat: Stat | undefined }>;
  getData(path: string, watch?: WatchCallback): Promise<{ data: Buffer; stat: Stat }>;
  setData(path: string, data: Buffer, version: number): Promise<Stat>;
  exists(path: string, watch?: WatchCallback): Promise<Stat | null>;
  getChildren(path: string, watch?: WatchCallback): Promise<{ children: string[]; stat: Stat }>;
  delete(path: string, version: number): Promise<void>;
  getACL(path: string): Promise<{ acl: Acl[]; stat: Stat }>;
  setACL(path: string, acl: Acl[], version: number): Promise<Stat>;
  sync(path: string): Promise<void>;
  /** Commits a multi-op; rejects with a ZkError whose `failedOp` names the first failing op. */
  transaction(ops: TransportTransactionOp[]): Promise<TransactionResult[]>;
  /** Number of descendants of a node (getAllChildrenNumber, 3.6+). */
  countChildren(path: string): Promise<number>;
  /** Paths of this session's ephemeral nodes under `prefix` (getEphemerals, 3.6+). */
  getEphemerals(prefix: string): Promise<string[]>;
  /** Several reads in one round trip, each failing on its own (multiRead, 3.6+). */
  multiRead(ops: MultiReadOp[]): Promise<MultiReadResult[]>;
  /** The identities of this session (whoAmI, 3.7+). */
  whoAmI(): Promise<ClientIdentity[]>;
  /**
   * Adds a persistent watch (3.6+); `listener` is called for every event until {@link Transport.removeWatches}
   * removes it. The transport re-registers it on every reconnect of the session.
   */
  addWatch(path: string, mode: PersistentWatchMode, listener: WatchCallback): Promise<void>;
  /**
   * Removes the watches of `kind` on `path` (all of them, or the one `listener` when given and others of the
   * kind remain); `local` removes them here only, without asking the server (when it cannot be reached).
   */
  removeWatches(path: string, kind: WatchKind, local: boolean, listener?: WatchCallback): Promise<void>;
}

/**
 * The error of a multi-op whose op `failedOp` failed with the numeric `err`: the op's path, its index, and
 * the named code (`UNKNOWN` for a code this client does not know).
 */
export function transactionFailure(ops: readonly TransactionOp[], failedOp: number, err: number): ZkError {
  const code = codeName(err);
  const path = ops[failedOp]?.path;
  return new ZkError(`transaction op ${failedOp} (${ops[failedOp]?.type} ${path}): ${code}`, {
    code,
    operation: 'transaction',
    path,
    failedOp,
  });
}
