/**
 * The client's public types. Recipes depend on these (and on {@link ZooKeeperClient}) only, never on the
 * wire client, so a different transport can be swapped in behind `src/client`.
 */
import type { EventEmitter } from 'eventemitter3';

/** How a node is created. */
export type CreateMode = 'persistent' | 'persistent-sequential' | 'ephemeral' | 'ephemeral-sequential';

/** A node's metadata, as ZooKeeper keeps it. Zxids are `bigint` (64-bit transaction ids). */
export interface Stat {
  /** Zxid of the transaction that created the node. */
  czxid: bigint;
  /** Zxid of the transaction that last modified the node's data. */
  mzxid: bigint;
  /** Zxid of the transaction that last changed the node's children. */
  pzxid: bigint;
  /** Creation time, milliseconds since the epoch. */
  ctime: number;
  /** Last modification time, milliseconds since the epoch. */
  mtime: number;
  /** Number of changes to the node's data. */
  version: number;
  /** Number of changes to the node's children. */
  cversion: number;
  /** Number of changes to the node's ACL. */
  aversion: number;
  /** Session id of the owner if the node is ephemeral, else `0n`. */
  ephemeralOwner: bigint;
  /** Length of the node's data in bytes. */
  dataLength: number;
  /** Number of children. */
  numChildren: number;
}

/** Permission bits of an ACL entry. */
export const Perms = {
  READ: 1,
  WRITE: 2,
  CREATE: 4,
  DELETE: 8,
  ADMIN: 16,
  ALL: 31,
} as const;

/** One ACL entry: permission bits for an identity (`scheme:id`). */
export interface Acl {
  /** Bitwise OR of {@link Perms}. */
  perms: number;
  /** Authentication scheme: `world`, `auth`, `digest`, `ip`, ... */
  scheme: string;
  /** Identity within the scheme (`anyone` for `world`). */
  id: string;
}

/** Digest credentials (`user:password`), or any scheme with raw auth bytes. */
export interface AuthInfo {
  /** Scheme, usually `digest`. */
  scheme: string;
  /** For `digest`: `user:password`. */
  auth: string | Buffer;
}

/** Data accepted by write operations. Strings are encoded as UTF-8. */
export type NodeData = Buffer | Uint8Array | string;

/** Connection states of a {@link ZooKeeperClient}, as Curator names them. */
export type ConnectionState = 'latent' | 'connected' | 'suspended' | 'reconnected' | 'lost' | 'read-only' | 'closed';

/** Details that come with a state change. */
export interface StateInfo {
  /** Session id (hex, 16 digits) of the session now in use, when there is one. */
  sessionId?: string;
  /** On `reconnected`: true when this is a new session (the old one expired or was given up). */
  sessionChanged?: boolean;
  /** On `lost`: why the session is considered gone. */
  reason?: 'expired' | 'suspended-too-long';
}

/** Events of a {@link ZooKeeperClient}. */
export interface ClientEvents {
  /** Every change of {@link ZooKeeperClient.state}. */
  state: (state: ConnectionState, info: StateInfo) => void;
}

/** Wait options taken by everything that waits. */
export interface WaitOptions {
  /** Give up after this many milliseconds. */
  timeoutMs?: number;
  /** Give up when this signal aborts (rejects with `signal.reason`). */
  signal?: AbortSignal;
}

/** Options of {@link ZooKeeperClient.create}. */
export interface CreateOptions {
  /** @default 'persistent' */
  mode?: CreateMode;
  /** Create missing parents as persistent nodes. @default false */
  createParents?: boolean;
  /** @default the client's `defaultAcl` */
  acl?: Acl[];
  /**
   * Curator's protected mode: the name gets a `_c_<uuid>-` prefix so that after a connection loss the client
   * finds its own node instead of creating a second one. Sequential creates are only retried when protected.
   * @default false
   */
  protected?: boolean;
}

/** Options of {@link ZooKeeperClient.delete}. */
export interface DeleteOptions {
  /** Only delete when the node has this version. @default -1 (any) */
  version?: number;
  /** Delete the whole subtree. @default false */
  recursive?: boolean;
  /** Keep retrying in the background (across reconnects) until the node is gone. @default false */
  guaranteed?: boolean;
}

/** Options of reads that can leave a one-shot watch. */
export interface WatchOption {
  /** One-shot watch, called once with the event that triggered it. */
  watch?: (event: WatchEvent) => void;
}

/** A one-shot watch notification. */
export interface WatchEvent {
  /** What happened. */
  type: 'created' | 'deleted' | 'data-changed' | 'children-changed';
  /** Path (without namespace) of the node concerned. */
  path: string;
}

/** Result of {@link ZooKeeperClient.getData}. */
export interface DataResult {
  data: Buffer;
  stat: Stat;
}

/** Result of {@link ZooKeeperClient.getChildren}. */
export interface ChildrenResult {
  children: string[];
  stat: Stat;
}

/** One operation of a transaction. */
export type TransactionOp =
  | { type: 'create'; path: string; data?: NodeData; mode?: CreateMode; acl?: Acl[] }
  | { type: 'setData'; path: string; data: NodeData; version?: number }
  | { type: 'delete'; path: string; version?: number }
  | { type: 'check'; path: string; version?: number };

/** Typed result of one successful transaction operation. */
export type TransactionResult =
  | { type: 'create'; path: string }
  | { type: 'setData'; stat: Stat }
  | { type: 'delete' }
  | { type: 'check' };

/** An atomic multi-operation, built up and then committed once. */
export interface Transaction {
  /** Adds a create. */
  create(path: string, data?: NodeData, options?: { mode?: CreateMode; acl?: Acl[] }): this;
  /** Adds a setData with an optional expected version. */
  setData(path: string, data: NodeData, version?: number): this;
  /** Adds a delete with an optional expected version. */
  delete(path: string, version?: number): this;
  /** Adds a version check (`-1`: the node must exist). */
  check(path: string, version?: number): this;
  /** The operations added so far. */
  readonly ops: readonly TransactionOp[];
  /**
   * Commits all operations atomically. Rejects with a {@link ZkError} whose `failedOp` is the index of the
   * operation that failed; nothing was applied then.
   */
  commit(options?: WaitOptions): Promise<TransactionResult[]>;
}

/** Credentials of the current session (for tools that need to act on it, like session expiry in tests). */
export interface SessionCredentials {
  /** Session id, 8 bytes. */
  sessionId: Buffer;
  /** Session password, 16 bytes. */
  password: Buffer;
  /** Negotiated session timeout in milliseconds. */
  timeoutMs: number;
  /** Server (`host:port`) the connection is on. */
  server: string;
}

/** A watcher's change event. `resync` is true when it was re-read after a reconnect or a new session. */
export interface WatcherChange<T> {
  /** The current value (`undefined` when the node does not exist). */
  value: T | undefined;
  /** Stat of the node (`undefined` when it does not exist). */
  stat: Stat | undefined;
  /** True when this event was produced by a re-read after a gap (reconnect, new session). */
  resync: boolean;
}

/** Events of an auto-re-arming watcher. */
export interface WatcherEvents<T> {
  /** The watched state changed (or was re-read after a gap). */
  change: (change: WatcherChange<T>) => void;
  /** A read failed in a way that is not retried (e.g. NO_AUTH); the watcher keeps trying on state changes. */
  error: (error: Error) => void;
}

/** A watch that re-arms itself; iterate it with `for await` or listen to `change`. */
export interface Watcher<T> extends EventEmitter<WatcherEvents<T>>, AsyncIterable<WatcherChange<T>> {
  /** The last value seen. */
  readonly current: WatcherChange<T> | undefined;
  /** Resolves once the first read is done. */
  ready(): Promise<WatcherChange<T>>;
  /** Stops watching; ends the async iterators. */
  close(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

/** Options of {@link ZooKeeperClient.shutdown}. */
export interface ShutdownOptions {
  /**
   * How long to wait for the releases (locks, leases, recipes) before closing the session regardless.
   * @default 10000
   */
  timeoutMs?: number;
}

/**
 * The client interface recipes are written against. {@link ZkClient} implements it. All paths are absolute
 * and relative to the client's namespace.
 */
export interface ZooKeeperClient extends EventEmitter<ClientEvents> {
  /** Current connection state. */
  readonly state: ConnectionState;
  /** Id (hex) of the current session, when connected at least once. */
  readonly sessionId: string | undefined;
  /** Negotiated session timeout in milliseconds (the requested one before the first connect). */
  readonly sessionTimeoutMs: number;
  /** Credentials of the current session, when connected. */
  sessionCredentials(): SessionCredentials | undefined;
  /** Connects; resolves once connected. */
  start(): Promise<void>;
  /** Ends the session; idempotent. */
  close(): Promise<void>;
  /**
   * Graceful shutdown: releases everything registered with {@link ZooKeeperClient.releaseOnShutdown} (held
   * locks and leases, started recipes) in parallel, bounded by `timeoutMs`, then closes. Idempotent.
   */
  shutdown(options?: ShutdownOptions): Promise<void>;
  /**
   * Registers something held, to be released by {@link ZooKeeperClient.shutdown}; returns the function that
   * unregisters it (call it when released otherwise). Releases run in parallel: none may wait for another.
   */
  releaseOnShutdown(release: () => Promise<void>): () => void;
  /** Resolves once connected (or rejects on timeout / abort / close). */
  waitForConnection(options?: WaitOptions): Promise<void>;
  /** Async iterator over state changes. */
  states(options?: { signal?: AbortSignal }): AsyncIterable<{ state: ConnectionState; info: StateInfo }>;

  create(path: string, data?: NodeData, options?: CreateOptions & WaitOptions): Promise<string>;
  getData(path: string, options?: WatchOption & WaitOptions): Promise<DataResult>;
  setData(path: string, data: NodeData, options?: { version?: number } & WaitOptions): Promise<Stat>;
  exists(path: string, options?: WatchOption & WaitOptions): Promise<Stat | null>;
  getChildren(path: string, options?: WatchOption & WaitOptions): Promise<ChildrenResult>;
  delete(path: string, options?: DeleteOptions & WaitOptions): Promise<void>;
  getACL(path: string, options?: WaitOptions): Promise<{ acl: Acl[]; stat: Stat }>;
  setACL(path: string, acl: Acl[], options?: { version?: number } & WaitOptions): Promise<Stat>;
  sync(path: string, options?: WaitOptions): Promise<void>;
  addAuth(auth: AuthInfo): Promise<void>;
  transaction(): Transaction;

  watchData(path: string): Watcher<Buffer>;
  watchChildren(path: string): Watcher<string[]>;
  watchExists(path: string): Watcher<Stat>;
}
