/**
 * The client's public types. Recipes depend on these (and on {@link ZooKeeperClient}) only, never on the
 * wire client, so a different transport can be swapped in behind `src/client`.
 */
import type { EventEmitter } from 'eventemitter3';
import type { ZkError } from './errors';

/**
 * How a node is created. `container` (ZooKeeper 3.5+): a parent the server deletes once its last child is
 * gone. `persistent-with-ttl` / `persistent-sequential-with-ttl` (3.5+, with the server's
 * `zookeeper.extendedTypesEnabled`): deleted once unmodified for `ttlMs` and childless.
 */
export type CreateMode =
  | 'persistent'
  | 'persistent-sequential'
  | 'ephemeral'
  | 'ephemeral-sequential'
  | 'container'
  | 'persistent-with-ttl'
  | 'persistent-sequential-with-ttl';

/** Which transport speaks ZooKeeper's protocol: our own (the default), or node-zookeeper-client (3.4 protocol only). */
export type TransportName = 'zk-recipes' | 'node-zookeeper-client';

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
  /** Read the data and list the children. */
  READ: 1,
  /** Set the data. */
  WRITE: 2,
  /** Create children. */
  CREATE: 4,
  /** Delete children. */
  DELETE: 8,
  /** Set the ACL. */
  ADMIN: 16,
  /** All of the above. */
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
  /**
   * On `reconnected` and `read-only` (except the client's first connection): true when this is a new session
   * (the old one expired or was given up, or a read-only server's session was left for a read/write server).
   */
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
  /**
   * Create missing parents: `true` as persistent nodes; `'container'` as containers where the server has
   * them (Curator's `creatingParentContainersIfNeeded`: a parent the server deletes once its last child is
   * gone), else as persistent nodes. @default false
   */
  createParents?: boolean | 'container';
  /** @default the client's `defaultAcl` */
  acl?: Acl[];
  /** Time to live of a `*-with-ttl` node, in milliseconds (1 .. 2^40 − 1); required for those modes only. */
  ttlMs?: number;
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
  /** The node's data. */
  data: Buffer;
  /** The node's stat. */
  stat: Stat;
}

/** Result of {@link ZooKeeperClient.getChildren}. */
export interface ChildrenResult {
  /** Names of the children (not full paths), in no particular order. */
  children: string[];
  /** The node's stat. */
  stat: Stat;
}

/** One operation of a transaction. */
export type TransactionOp =
  | {
      type: 'create';
      path: string;
      data?: NodeData;
      mode?: CreateMode;
      acl?: Acl[];
      /** For the `*-with-ttl` modes: ms the node may stay unmodified and childless before the server deletes it. */
      ttlMs?: number;
    }
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
  create(path: string, data?: NodeData, options?: { mode?: CreateMode; acl?: Acl[]; ttlMs?: number }): this;
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

/** Result of {@link ZooKeeperClient.createWithStat}. */
export interface CreateResult {
  /** Path of the node created (with the sequence number for sequential modes). */
  path: string;
  /** Its Stat, as the create left it (czxid is the create's zxid). */
  stat: Stat;
}

/** One read of {@link ZooKeeperClient.multiRead}. */
export type MultiReadOp =
  | {
      /** Read the node's data and stat. */
      type: 'getData';
      /** The node. */
      path: string;
    }
  | {
      /** Read the node's children. */
      type: 'getChildren';
      /** The node. */
      path: string;
    };

/** Result of one read of {@link ZooKeeperClient.multiRead}: each read succeeds or fails on its own. */
export type MultiReadResult =
  | {
      /** A getData that succeeded. */
      type: 'getData';
      /** The node's data. */
      data: Buffer;
      /** The node's stat. */
      stat: Stat;
    }
  | {
      /** A getChildren that succeeded. */
      type: 'getChildren';
      /** The names of the node's children (unsorted). */
      children: string[];
    }
  | {
      /** A read that failed. */
      type: 'error';
      /** Why (e.g. `NO_NODE`), with the read's path. */
      error: ZkError;
    };

/** An identity the server has attached to this session ({@link ZooKeeperClient.whoAmI}). */
export interface ClientIdentity {
  /** Authentication scheme (`ip`, `digest`, `sasl`, ...). */
  scheme: string;
  /** The identity within it. */
  user: string;
}

/** Mode of a persistent watch: the node itself, or the node and its whole subtree. */
export type PersistentWatchMode = 'persistent' | 'persistent-recursive';

/** Kinds of watch {@link ZooKeeperClient.removeWatches} removes. */
export type WatchKind = 'data' | 'children' | 'persistent' | 'persistent-recursive' | 'any';

/** A persistent watch's event; `resync` ones were produced after a gap (reconnect, new session). */
export interface PersistentWatchEvent {
  /** What happened (`resync`: the watch was re-added after a gap in which changes may have been missed). */
  type: WatchEvent['type'] | 'resync';
  /** Path (without namespace) of the node concerned. */
  path: string;
  /** True when the gap was a new session (the watch was lost on the server and added again). */
  sessionChanged?: boolean;
}

/** Events of a {@link PersistentWatcher}. */
export interface PersistentWatcherEvents {
  /** A change under the watched path, or a `resync` marker after a gap. */
  event: (event: PersistentWatchEvent) => void;
  /** Adding the watch again failed in a way that is not retried. */
  error: (error: Error) => void;
}

/** A persistent (optionally recursive) watch; iterate it with `for await` or listen to `event`. */
export interface PersistentWatcher extends EventEmitter<PersistentWatcherEvents>, AsyncIterable<PersistentWatchEvent> {
  /** The watched path. */
  readonly path: string;
  /** The mode. */
  readonly mode: PersistentWatchMode;
  /** Resolves once the server has the watch; rejects when it cannot (`UNIMPLEMENTED`) or on close. */
  ready(): Promise<void>;
  /** Stops watching (the watch is removed on the server); ends the async iterators. */
  close(): Promise<void>;
  /** Same as {@link PersistentWatcher.close}, for `await using`. */
  [Symbol.asyncDispose](): Promise<void>;
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
  /** Same as {@link Watcher.close}, for `await using`. */
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

  /** Creates a node; resolves with its path (with the sequence suffix, for sequential modes). */
  create(path: string, data?: NodeData, options?: CreateOptions & WaitOptions): Promise<string>;
  /** Creates a node; resolves with its path and, where the transport has create2, its stat. */
  createWithStat(path: string, data?: NodeData, options?: CreateOptions & WaitOptions): Promise<CreateResult>;
  /** Creates a container node (ZooKeeper 3.5+): the server deletes it once its last child is gone. */
  createContainer(path: string, data?: NodeData, options?: Omit<CreateOptions, 'mode' | 'ttlMs'> & WaitOptions): Promise<string>;
  /** Reads a node's data and stat; rejects with `NO_NODE` when it does not exist. */
  getData(path: string, options?: WatchOption & WaitOptions): Promise<DataResult>;
  /** Writes a node's data (only at `version` when given); resolves with the new stat. */
  setData(path: string, data: NodeData, options?: { version?: number } & WaitOptions): Promise<Stat>;
  /** The node's stat, or `null` when it does not exist (a `watch` then fires on its creation). */
  exists(path: string, options?: WatchOption & WaitOptions): Promise<Stat | null>;
  /** The names of a node's children and its stat. */
  getChildren(path: string, options?: WatchOption & WaitOptions): Promise<ChildrenResult>;
  /** Deletes a node (`recursive`: with its subtree; `guaranteed`: retried in the background until gone). */
  delete(path: string, options?: DeleteOptions & WaitOptions): Promise<void>;
  /** A node's ACL and stat. */
  getACL(path: string, options?: WaitOptions): Promise<{ acl: Acl[]; stat: Stat }>;
  /** Sets a node's ACL (only at ACL `version` when given); resolves with the new stat. */
  setACL(path: string, acl: Acl[], options?: { version?: number } & WaitOptions): Promise<Stat>;
  /** Waits until the server this client is connected to has caught up with the leader (for `path`). */
  sync(path: string, options?: WaitOptions): Promise<void>;
  /** The number of nodes below `path`, all levels (ZooKeeper 3.6+). */
  countChildren(path: string, options?: WaitOptions): Promise<number>;
  /** Paths of this session's ephemeral nodes, optionally only those under `prefix` (ZooKeeper 3.6+). */
  getEphemerals(prefix?: string, options?: WaitOptions): Promise<string[]>;
  /** Several reads in one round trip, each with its own result or error (ZooKeeper 3.6+). */
  multiRead(ops: readonly MultiReadOp[], options?: WaitOptions): Promise<MultiReadResult[]>;
  /** The data of several nodes in one round trip, `null` where a node does not exist (ZooKeeper 3.6+). */
  getMany(paths: readonly string[], options?: WaitOptions): Promise<Array<DataResult | null>>;
  /** The identities the server knows this session by (ZooKeeper 3.7+). */
  whoAmI(options?: WaitOptions): Promise<ClientIdentity[]>;
  /** A persistent (optionally recursive) watch that stays registered across triggers, reconnects and sessions (3.6+). */
  addWatch(path: string, options?: { mode?: PersistentWatchMode }): PersistentWatcher;
  /** Removes watches of one kind (or all) on `path`; `local` removes them on this side only, also while disconnected. */
  removeWatches(path: string, options?: { kind?: WatchKind; local?: boolean } & WaitOptions): Promise<void>;
  /** Adds credentials to the session (and to every later connection of this client). */
  addAuth(auth: AuthInfo): Promise<void>;
  /** Starts an atomic multi-operation; nothing is sent until `commit()`. */
  transaction(): Transaction;

  /** A watcher of a node's data (`undefined` while the node does not exist). */
  watchData(path: string): Watcher<Buffer>;
  /** A watcher of a node's children names. */
  watchChildren(path: string): Watcher<string[]>;
  /** A watcher of a node's stat (`undefined` while it does not exist). */
  watchExists(path: string): Watcher<Stat>;
}
