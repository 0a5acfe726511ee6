/** {@link ZkClient}: the typed, retrying, reconnecting ZooKeeper client. */
import { inspect } from 'node:util';
import { EventEmitter } from 'eventemitter3';
import { ClientLifecycle } from './client-lifecycle';
import { ClientWatchers } from './client-watchers';
import { Connection } from './connection';
import { Deadline, DeadlineQueue } from './deadline';
import { isZkError, ZkError } from './errors';
import { GuaranteedDeletes, worthRetrying } from './guaranteed-deletes';
import { commitTransaction, getMany, multiRead, type MultiOpContext } from './multi-ops';
import { NodeCreator } from './node-creator';
import { OperationRunner } from './operation-runner';
import { resolveOptions, type ResolvedOptions, type ZkClientOptions } from './options';
import { validatePath } from './paths';
import { RequestSizes } from './request-sizes';
import { redactedAuth } from './redact';
import { ZkTransaction } from './transaction';
import type {
  Acl,
  AuthInfo,
  ChildrenResult,
  ClientEvents,
  ClientIdentity,
  ConnectionState,
  CreateOptions,
  CreateResult,
  DataResult,
  DeleteOptions,
  MultiReadOp,
  MultiReadResult,
  NodeData,
  PersistentWatcher,
  PersistentWatchMode,
  SessionCredentials,
  ShutdownOptions,
  Stat,
  StateInfo,
  Transaction,
  WaitOptions,
  Watcher,
  WatchKind,
  WatchOption,
  ZooKeeperClient,
} from './types';
import {
  checkRequestSize,
  toPayload,
  validateAcl,
  validateVersion,
  validateWaitOptions,
} from './validate';
import { childrenWatcher, dataWatcher, existsWatcher, type RearmingWatcher } from './watchers';
import { deleteTree } from './wire-ops';

/**
 * A ZooKeeper client: promise API, typed errors, retries, connection states, protected creates, guaranteed
 * deletes and auto-re-arming watchers. The constructor does no I/O; call {@link ZkClient.start}.
 *
 * @example
 * ```ts
 * const client = await ZkClient.connect({ connectString: '127.0.0.1:2181', namespace: 'app' });
 * client.on('state', (state, info) => console.log(state, info));
 * await client.create('/config', '{}', { createParents: true });
 * await client.close();
 * ```
 */
export class ZkClient extends EventEmitter<ClientEvents> implements ZooKeeperClient {
  private readonly options: ResolvedOptions;
  private readonly connection: Connection;
  private readonly guaranteedDeletes: GuaranteedDeletes;
  private readonly sizes: RequestSizes;
  private readonly tracked: ClientWatchers;
  /** The open re-arming watchers: the lifecycle contract test counts them here, under this name. */
  private readonly watchers: ReadonlySet<RearmingWatcher<unknown>>;
  private readonly lifecycle: ClientLifecycle;
  private readonly runner: OperationRunner;
  private readonly creator: NodeCreator;
  private readonly multiOps: MultiOpContext;

  constructor(options: ZkClientOptions) {
    super();
    this.options = resolveOptions(options);
    this.connection = new Connection(this.options, (state, info) => {
      this.emit('state', state, info);
      // The connection closes by itself when the server refuses the credentials: finish the job (watchers,
      // background deletes) as close() does.
      if (state === 'closed') void this.close();
    });
    this.guaranteedDeletes = new GuaranteedDeletes(this, this.options.retry);
    this.sizes = new RequestSizes(this.options.connectString);
    this.lifecycle = new ClientLifecycle(this.connection, this.options, this, () => this.runner, async () => {
      this.guaranteedDeletes.stop();
      await this.tracked.closeAll();
    });
    this.runner = new OperationRunner(this.connection, this.options, new DeadlineQueue(), this.lifecycle);
    this.creator = new NodeCreator(this.options, this.sizes, this.runner);
    this.multiOps = { runner: this.runner, options: this.options, sizes: this.sizes };
    this.tracked = new ClientWatchers(this, this.lifecycle, this.runner, this.connection, this.options);
    this.watchers = this.tracked.rearming;
  }

  /** Creates a client and starts it. */
  static async connect(options: ZkClientOptions): Promise<ZkClient> {
    const client = new ZkClient(options);
    await client.start();
    return client;
  }

  /** Current connection state. */
  get state(): ConnectionState {
    return this.connection.state;
  }

  /** Id (hex) of the current session. */
  get sessionId(): string | undefined {
    return this.connection.sessionId;
  }

  /** Negotiated session timeout (the requested one before the first connect). */
  get sessionTimeoutMs(): number {
    return this.connection.session?.timeoutMs ?? this.options.sessionTimeoutMs;
  }

  /** Credentials of the current session, when connected. */
  sessionCredentials(): SessionCredentials | undefined {
    const wire = this.connection.session;
    if (!wire || !this.connection.isLive) return undefined;
    return { sessionId: wire.sessionId, password: wire.password, timeoutMs: wire.timeoutMs, server: wire.server };
  }

  /**
   * Connects. Resolves once connected (and the namespace node exists); rejects with a `CONNECT_TIMEOUT`
   * {@link ZkError} after `connectionTimeoutMs`, after which the client is closed. Idempotent: concurrent
   * callers share one promise.
   */
  start(): Promise<void> {
    return this.lifecycle.start();
  }

  /** Ends the session (its ephemeral nodes go at once), closes watchers, stops background work. Idempotent. */
  close(): Promise<void> {
    return this.lifecycle.close();
  }

  /**
   * Graceful shutdown, for a rolling deploy: releases held locks and leases, closes latches, selectors,
   * group members and every other started recipe — all in parallel, so that others take over within a round
   * trip or two — then closes the session. Releases still running after `timeoutMs` are cut short by the
   * close (the session's ephemeral nodes go with it). Idempotent; resolves once closed, and rejects only for a
   * bad `timeoutMs`.
   *
   * @example
   * ```ts
   * process.once('SIGTERM', () => void client.shutdown({ timeoutMs: 5_000 }).then(() => process.exit(0)));
   * ```
   */
  async shutdown(options: ShutdownOptions = {}): Promise<void> {
    return this.lifecycle.shutdown(options);
  }

  /**
   * Opts in to {@link ZkClient.shutdown} on `SIGTERM` and `SIGINT` (or `signals`). A listener replaces Node's
   * default of exiting at once, so once the shutdown is done the signal is raised again — the process ends
   * as it would have — unless the application listens to that signal itself. The listeners go when the
   * client closes, or when the function returned is called.
   */
  shutdownOnSignal(options: ShutdownOptions & { signals?: readonly NodeJS.Signals[] } = {}): () => void {
    return this.lifecycle.shutdownOnSignal(options, () => this.shutdown(options));
  }

  /** Registers a release for {@link ZkClient.shutdown}; see {@link ZooKeeperClient.releaseOnShutdown}. */
  releaseOnShutdown(release: () => Promise<void>): () => void {
    return this.lifecycle.releaseOnShutdown(release);
  }

  /** Same as {@link ZkClient.close}, for `await using`. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  /** Resolves once connected; rejects on timeout, abort or close. */
  async waitForConnection(options?: WaitOptions): Promise<void> {
    return this.lifecycle.waitForConnection(options);
  }

  /** State changes as an async iterator; it ends (without an error) when the client closes or the signal aborts. */
  states(options?: { signal?: AbortSignal }): AsyncIterableIterator<{ state: ConnectionState; info: StateInfo }, undefined> {
    return this.lifecycle.states(options);
  }

  /**
   * Creates a node; resolves with its path (with the sequence number for sequential modes). With
   * `protected`, a connection loss during the create is recovered by finding the node by its `_c_<uuid>-`
   * prefix instead of creating a second one. Unprotected sequential creates are never retried. Modes
   * `container` and `*-with-ttl` need ZooKeeper 3.5+ (TTL also the server's `zookeeper.extendedTypesEnabled`)
   * and our transport; otherwise they reject with `UNIMPLEMENTED`.
   */
  async create(path: string, data?: NodeData, options: CreateOptions & WaitOptions = {}): Promise<string> {
    return (await this.creator.create(path, data, options)).path;
  }

  /**
   * Creates a node as {@link ZkClient.create} does and resolves with its path and Stat, from the create's
   * own reply (create2: no extra round trip; the czxid makes a fencing token). Rejects with `UNIMPLEMENTED`
   * on the node-zookeeper-client transport, which cannot get the Stat.
   */
  async createWithStat(path: string, data?: NodeData, options: CreateOptions & WaitOptions = {}): Promise<CreateResult> {
    return this.creator.createWithStat(path, data, options);
  }

  /**
   * Creates a container node (ZooKeeper 3.5+): the server deletes it once its last child is gone (checked
   * every `znode.container.checkIntervalMs`). The way to make lock and queue parents that clean up after
   * themselves.
   */
  createContainer(path: string, data?: NodeData, options: Omit<CreateOptions, 'mode' | 'ttlMs'> & WaitOptions = {}): Promise<string> {
    return this.create(path, data, { ...options, mode: 'container' });
  }

  /** Reads a node's data and stat; `watch` leaves a one-shot watch. */
  async getData(path: string, options: WatchOption & WaitOptions = {}): Promise<DataResult> {
    validatePath(path);
    validateWaitOptions(options);
    const watch = this.runner.wrapWatch(options.watch);
    return this.runner.run('getData', path, options, (wire) => wire.getData(this.runner.full(path), watch));
  }

  /** Writes a node's data; `version` makes it conditional. Resolves with the new stat. */
  async setData(path: string, data: NodeData, options: { version?: number } & WaitOptions = {}): Promise<Stat> {
    validatePath(path);
    validateWaitOptions(options);
    const payload = toPayload(data);
    const version = validateVersion(options.version);
    checkRequestSize(this.sizes.setData(this.runner.full(path), payload), 'setData');
    return this.runner.run('setData', path, options, (wire) => wire.setData(this.runner.full(path), payload, version));
  }

  /** Stat of a node, or `null` when it does not exist; `watch` leaves a one-shot watch either way. */
  async exists(path: string, options: WatchOption & WaitOptions = {}): Promise<Stat | null> {
    validatePath(path);
    validateWaitOptions(options);
    const watch = this.runner.wrapWatch(options.watch);
    return this.runner.run('exists', path, options, (wire) => wire.exists(this.runner.full(path), watch));
  }

  /** Children names (unsorted, as the server returns them) and the parent's stat. */
  async getChildren(path: string, options: WatchOption & WaitOptions = {}): Promise<ChildrenResult> {
    validatePath(path);
    validateWaitOptions(options);
    const watch = this.runner.wrapWatch(options.watch);
    return this.runner.run('getChildren', path, options, (wire) => wire.getChildren(this.runner.full(path), watch));
  }

  /**
   * Deletes a node. `recursive` deletes the subtree first; `guaranteed` keeps retrying in the background
   * (across reconnects) when the delete fails for connection reasons or on a read-only server, until the
   * node is gone.
   */
  async delete(path: string, options: DeleteOptions & WaitOptions = {}): Promise<void> {
    validatePath(path);
    if (path === '/' && this.options.namespace === '') throw new TypeError('cannot delete the root node');
    validateWaitOptions(options);
    const version = validateVersion(options.version);
    const full = this.runner.full(path);
    // A retry happens only after a failure that may hide a success: NO_NODE then means our earlier attempt
    // deleted the node, which is what the caller asked for.
    let sent = 0;
    const attempt = (): Promise<void> =>
      this.runner.run('delete', path, options, async (wire) => {
        const retried = (sent += 1) > 1;
        try {
          await (options.recursive ? deleteTree(wire, full, version) : wire.delete(full, version));
        } catch (error) {
          if (!(retried && isZkError(error, 'NO_NODE'))) throw error;
        }
      });
    if (!options.guaranteed) return attempt();
    try {
      await attempt();
    } catch (error) {
      if (worthRetrying(error)) this.guaranteedDeletes.add(path, version, options.recursive === true);
      throw error;
    }
  }

  /** Reads a node's ACL. */
  async getACL(path: string, options: WaitOptions = {}): Promise<{ acl: Acl[]; stat: Stat }> {
    validatePath(path);
    validateWaitOptions(options);
    return this.runner.run('getACL', path, options, (wire) => wire.getACL(this.runner.full(path)));
  }

  /** Sets a node's ACL; `version` is the expected ACL version (`aversion`). */
  async setACL(path: string, acl: Acl[], options: { version?: number } & WaitOptions = {}): Promise<Stat> {
    validatePath(path);
    validateAcl(acl);
    validateWaitOptions(options);
    const version = validateVersion(options.version);
    return this.runner.run('setACL', path, options, (wire) => wire.setACL(this.runner.full(path), acl, version));
  }

  /** Makes the server this client is connected to catch up with the leader, for reads after it. */
  async sync(path: string, options: WaitOptions = {}): Promise<void> {
    validatePath(path);
    validateWaitOptions(options);
    return this.runner.run('sync', path, options, (wire) => wire.sync(this.runner.full(path)));
  }

  /** Number of all descendants of a node, counted by the server (ZooKeeper 3.6+). */
  async countChildren(path: string, options: WaitOptions = {}): Promise<number> {
    validatePath(path);
    validateWaitOptions(options);
    return this.runner.run('countChildren', path, options, (wire) => wire.countChildren(this.runner.full(path)));
  }

  /** Paths of this session's ephemeral nodes under `prefix` (a path prefix, not only a parent; 3.6+). */
  async getEphemerals(prefix = '/', options: WaitOptions = {}): Promise<string[]> {
    validatePath(prefix, 'prefix');
    validateWaitOptions(options);
    return this.runner.run('getEphemerals', prefix, options, async (wire) =>
      (await wire.getEphemerals(this.runner.full(prefix))).map((path) => this.runner.relative(path)),
    );
  }

  /**
   * Several reads in one round trip (ZooKeeper 3.6+). Unlike a transaction each read succeeds or fails on
   * its own: a failed one is `{ type: 'error', error }` in its place. Leaves no watches.
   */
  async multiRead(ops: readonly MultiReadOp[], options: WaitOptions = {}): Promise<MultiReadResult[]> {
    return multiRead(this.multiOps, ops, options);
  }

  /**
   * The data and stat of several nodes in one round trip (a multiRead of getData, ZooKeeper 3.6+), in the
   * order given; `null` for a node that does not exist. Any other failed read rejects the call. Leaves no
   * watches.
   */
  async getMany(paths: readonly string[], options: WaitOptions = {}): Promise<Array<DataResult | null>> {
    return getMany(this.multiOps, paths, options);
  }

  /** The identities the server attached to this session (its address, digest users; ZooKeeper 3.7+). */
  async whoAmI(options: WaitOptions = {}): Promise<ClientIdentity[]> {
    validateWaitOptions(options);
    return this.runner.execute('whoAmI', undefined, Deadline.from(options, this.options.operationTimeoutMs), true, (wire) => wire.whoAmI());
  }

  /**
   * A persistent watch on `path` (ZooKeeper 3.6+; `persistent-recursive`: the node and its whole subtree):
   * one registration that stays, so no change falls into a re-arm gap. It is re-added after a new session,
   * with a `resync` event first (changes of the gap are not replayed: re-read what you follow). Rejects its
   * iterators and emits `error` with `UNIMPLEMENTED` where the server or transport has no persistent watches.
   */
  addWatch(path: string, options: { mode?: PersistentWatchMode } = {}): PersistentWatcher {
    validatePath(path);
    const mode = options.mode ?? 'persistent';
    if (mode !== 'persistent' && mode !== 'persistent-recursive') {
      throw new TypeError(`mode must be persistent or persistent-recursive, got ${String(mode)}`);
    }
    return this.tracked.addPersistent(path, mode);
  }

  /**
   * Removes this client's watches of `kind` (default `any`) on `path`, on the server too unless `local`
   * (which works while disconnected). Rejects with `NO_WATCHER` when there is none (ZooKeeper 3.5+).
   */
  async removeWatches(path: string, options: { kind?: WatchKind; local?: boolean } & WaitOptions = {}): Promise<void> {
    validatePath(path);
    validateWaitOptions(options);
    const kind = options.kind ?? 'any';
    if (!['data', 'children', 'persistent', 'persistent-recursive', 'any'].includes(kind)) {
      throw new TypeError(`kind must be data, children, persistent, persistent-recursive or any, got ${kind}`);
    }
    if (options.local === true) {
      const wire = this.connection.session;
      if (!wire) throw ZkError.of('CLIENT_CLOSED', 'removeWatches', path);
      return wire.removeWatches(this.runner.full(path), kind, true);
    }
    return this.runner.run('removeWatches', path, options, (wire) => wire.removeWatches(this.runner.full(path), kind, false));
  }

  /**
   * Adds credentials to this session (and to every later connection and session of this client). Resolves
   * once the server has accepted them; rejects with AUTH_FAILED when it refused them (ZooKeeper then ends
   * the session, and the client closes).
   */
  async addAuth(auth: AuthInfo): Promise<void> {
    if (typeof auth?.scheme !== 'string' || auth.scheme === '' || (typeof auth.auth !== 'string' && !Buffer.isBuffer(auth.auth))) {
      throw new TypeError('addAuth takes { scheme: string, auth: string | Buffer }');
    }
    if (this.lifecycle.closed) throw ZkError.of('CLIENT_CLOSED', 'addAuth');
    const held = redactedAuth(auth);
    this.options.auth.push(held);
    this.connection.session?.addAuth(held);
    await this.lifecycle.authBarrier('addAuth');
  }

  /** Starts a transaction (atomic multi-op). */
  transaction(): Transaction {
    return new ZkTransaction((ops, options) => commitTransaction(this.multiOps, ops, options));
  }

  /** Watches a node's data; re-arms itself after every trigger, reconnect and new session. */
  watchData(path: string): Watcher<Buffer> {
    validatePath(path);
    return this.tracked.track(dataWatcher(this, path));
  }

  /** Watches a node's children (sorted); re-arms itself. */
  watchChildren(path: string): Watcher<string[]> {
    validatePath(path);
    return this.tracked.track(childrenWatcher(this, path));
  }

  /** Watches whether a node exists (its stat); re-arms itself. */
  watchExists(path: string): Watcher<Stat> {
    validatePath(path);
    return this.tracked.track(existsWatcher(this, path));
  }

  /**
   * A summary, not the internals: those hold credentials (and the transport's last request bytes), which
   * must not end up in a log line or a test failure.
   */
  [inspect.custom](_depth: number, options: object): string {
    const { connectString, namespace, transport, tls, auth } = this.options;
    const summary = { state: this.state, sessionId: this.sessionId, connectString, namespace, transport, tls, auth };
    return `ZkClient ${inspect(summary, options)}`;
  }
}
