/** {@link ZkClient}: the typed, retrying, reconnecting ZooKeeper client. */
import { inspect } from 'node:util';
import { EventEmitter } from 'eventemitter3';
import { AsyncQueue } from './async-queue';
import { Connection } from './connection';
import { Deadline, DeadlineQueue } from './deadline';
import { isZkError, mayRecover, ZkError, type ZkOperation } from './errors';
import { GuaranteedDeletes } from './guaranteed-deletes';
import { channels } from './logger';
import { resolveOptions, type ResolvedOptions, type ZkClientOptions } from './options';
import { joinPath, nodeName, parentPath, validatePath, withNamespace, withoutNamespace } from './paths';
import { findProtectedNode, protectedPrefix } from './protected-create';
import { RequestSizes } from './request-sizes';
import { redactedAuth } from './redact';
import { withRetry } from './retry';
import { ShutdownRegistry } from './shutdown';
import { ZkTransaction } from './transaction';
import type {
  Acl,
  AuthInfo,
  ChildrenResult,
  ClientEvents,
  ClientIdentity,
  ConnectionState,
  CreateMode,
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
  TransactionOp,
  TransactionResult,
  WaitOptions,
  Watcher,
  WatchKind,
  WatchOption,
  ZooKeeperClient,
} from './types';
import {
  checkRequestSize,
  encodedSize,
  toPayload,
  validateAcl,
  validateDuration,
  validateMode,
  validateTtl,
  validateVersion,
  validateWaitOptions,
} from './validate';
import { childrenWatcher, dataWatcher, existsWatcher, type RearmingWatcher } from './watchers';
import { PersistentWatch } from './persistent-watcher';
import type { Transport, WatchCallback } from './transport';
import { createNode, deleteTree, makeParents, wireAccess, type ParentNodes } from './wire-ops';

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
  private readonly watchers = new Set<RearmingWatcher<unknown>>();
  private readonly persistentWatchers = new Set<PersistentWatch>();
  private readonly persistentListeners = new WeakMap<WatchCallback, WatchCallback>();
  private readonly watchWrappers = new WeakMap<NonNullable<WatchOption['watch']>, WatchCallback>();
  private readonly deadlines = new DeadlineQueue();
  private readonly shutdownRegistry: ShutdownRegistry;
  private startPromise: Promise<void> | undefined;
  /** Set once the server or transport refused a container: `createParents: 'container'` makes persistent parents. */
  private noContainers = false;
  private closePromise: Promise<void> | undefined;
  private shutdownPromise: Promise<void> | undefined;

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
    this.shutdownRegistry = new ShutdownRegistry(this.options.logger);
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
    if (this.closePromise) return Promise.reject(ZkError.of('CLIENT_CLOSED', 'connect'));
    this.startPromise ??= this.doStart();
    return this.startPromise;
  }

  private async doStart(): Promise<void> {
    this.connection.open();
    try {
      await this.connection.ready(new Deadline(this.options.connectionTimeoutMs), 'connect');
    } catch (error) {
      // Read before close() drops the wire session: why the last connection attempt failed.
      const socketError = this.connection.lastConnectError;
      await this.close();
      if (isZkError(error, 'CONNECTION_LOSS')) {
        const why = socketError === undefined ? '' : `: ${socketError.message}`;
        throw new ZkError(`could not connect to ${this.options.connectString} within ${this.options.connectionTimeoutMs} ms${why}`, {
          code: 'CONNECT_TIMEOUT',
          operation: 'connect',
          cause: socketError ?? error,
        });
      }
      throw error;
    }
    // A round trip after the handshake: it makes the namespace, and it is where a server refuses the
    // credentials (it answers the auth packets first), so that start() rejects then instead of resolving.
    try {
      if (this.options.namespace !== '') await this.ensureNamespace();
      else if (this.options.auth.length > 0) await this.authBarrier('connect');
    } catch (error) {
      await this.close();
      throw this.authFailure(error, 'connect');
    }
  }

  private async ensureNamespace(): Promise<void> {
    const deadline = new Deadline(this.options.operationTimeoutMs);
    await this.execute('create', '/', deadline, true, (wire) => makeParents(wire, this.options.namespace, { acl: this.options.defaultAcl, container: false }));
  }

  /**
   * Resolves once the server has answered a request sent after every credential: it processes auth packets
   * in order before later requests, so then they were all accepted. Rejects with AUTH_FAILED when one was not.
   */
  private async authBarrier(operation: ZkOperation): Promise<void> {
    const deadline = new Deadline(this.options.operationTimeoutMs);
    try {
      await this.execute(operation, undefined, deadline, true, (wire) => wire.exists('/'));
    } catch (error) {
      throw this.authFailure(error, operation);
    }
  }

  /** `error`, or an AUTH_FAILED ZkError caused by it when the server refused the credentials. */
  private authFailure(error: unknown, operation: ZkOperation): unknown {
    if (!this.connection.authFailed || isZkError(error, 'AUTH_FAILED')) return error;
    return new ZkError(`${operation}: the server refused the credentials (AUTH_FAILED); the client is closed`, {
      code: 'AUTH_FAILED',
      operation,
      cause: error,
    });
  }

  /** Ends the session (its ephemeral nodes go at once), closes watchers, stops background work. Idempotent. */
  close(): Promise<void> {
    this.closePromise ??= (async () => {
      this.shutdownRegistry.clear();
      this.guaranteedDeletes.stop();
      await Promise.all([...this.watchers, ...this.persistentWatchers].map((watcher) => watcher.close()));
      await this.connection.close();
    })();
    return this.closePromise;
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
    const timeoutMs = validateDuration(options.timeoutMs, 'timeoutMs') ?? 10_000;
    this.shutdownPromise ??= (async () => {
      if (this.closePromise === undefined) await this.shutdownRegistry.releaseAll(timeoutMs, this.sessionId);
      await this.close();
    })();
    return this.shutdownPromise;
  }

  /**
   * Opts in to {@link ZkClient.shutdown} on `SIGTERM` and `SIGINT` (or `signals`). A listener replaces Node's
   * default of exiting at once, so once the shutdown is done the signal is raised again — the process ends
   * as it would have — unless the application listens to that signal itself. The listeners go when the
   * client closes, or when the function returned is called.
   */
  shutdownOnSignal(options: ShutdownOptions & { signals?: readonly NodeJS.Signals[] } = {}): () => void {
    const signals = options.signals ?? ['SIGTERM', 'SIGINT'];
    validateDuration(options.timeoutMs, 'timeoutMs');
    const remove = (): void => {
      for (const signal of signals) process.off(signal, onSignal);
      this.off('state', onState);
    };
    const onSignal = (signal: NodeJS.Signals): void => {
      // Removed first: a second signal while shutting down gets Node's default (exit now).
      remove();
      void this.shutdown(options).then(() => {
        if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
      });
    };
    const onState = (state: ConnectionState): void => {
      if (state === 'closed') remove();
    };
    if (this.closePromise !== undefined) return () => undefined;
    for (const signal of signals) process.on(signal, onSignal);
    this.on('state', onState);
    return remove;
  }

  /** Registers a release for {@link ZkClient.shutdown}; see {@link ZooKeeperClient.releaseOnShutdown}. */
  releaseOnShutdown(release: () => Promise<void>): () => void {
    if (this.closePromise !== undefined) return () => undefined; // the session is over: nothing to hand over
    return this.shutdownRegistry.add(release);
  }

  /** Same as {@link ZkClient.close}, for `await using`. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  /** Resolves once connected; rejects on timeout, abort or close. */
  async waitForConnection(options?: WaitOptions): Promise<void> {
    validateWaitOptions(options);
    await this.startOnFirstUse();
    await this.connection.ready(Deadline.from(options), 'connect');
  }

  /**
   * A client used before `start()` starts itself, as the MongoDB driver does (docs/client.md): the first
   * operation waits for the connection and fails with start()'s error (CONNECT_TIMEOUT with its cause)
   * instead of waiting out its own timeout against a client that never tries.
   */
  private async startOnFirstUse(): Promise<void> {
    if (this.startPromise === undefined && this.closePromise === undefined) await this.start();
  }

  /** State changes as an async iterator; it ends (without an error) when the client closes or the signal aborts. */
  states(options?: { signal?: AbortSignal }): AsyncIterableIterator<{ state: ConnectionState; info: StateInfo }, undefined> {
    const signal = options?.signal;
    const onState = (state: ConnectionState, info: StateInfo): void => {
      queue.push({ state, info });
      if (state === 'closed') queue.end();
    };
    const onAbort = (): void => queue.end();
    const queue = new AsyncQueue<{ state: ConnectionState; info: StateInfo }>({
      onClose: () => {
        this.off('state', onState);
        signal?.removeEventListener('abort', onAbort);
      },
    });
    if (this.state === 'closed' || signal?.aborted) {
      queue.end();
    } else {
      this.on('state', onState);
      signal?.addEventListener('abort', onAbort, { once: true });
    }
    return queue;
  }

  /**
   * Creates a node; resolves with its path (with the sequence number for sequential modes). With
   * `protected`, a connection loss during the create is recovered by finding the node by its `_c_<uuid>-`
   * prefix instead of creating a second one. Unprotected sequential creates are never retried. Modes
   * `container` and `*-with-ttl` need ZooKeeper 3.5+ (TTL also the server's `zookeeper.extendedTypesEnabled`)
   * and our transport; otherwise they reject with `UNIMPLEMENTED`.
   */
  async create(path: string, data?: NodeData, options: CreateOptions & WaitOptions = {}): Promise<string> {
    return (await this.createNode(path, data, options)).path;
  }

  /**
   * Creates a node as {@link ZkClient.create} does and resolves with its path and Stat, from the create's
   * own reply (create2: no extra round trip; the czxid makes a fencing token). Rejects with `UNIMPLEMENTED`
   * on the node-zookeeper-client transport, which cannot get the Stat.
   */
  async createWithStat(path: string, data?: NodeData, options: CreateOptions & WaitOptions = {}): Promise<CreateResult> {
    // Refused before anything is sent: a caller that falls back to create() must not find a node made already.
    const unimplemented = (): ZkError =>
      new ZkError(`create ${path}: UNIMPLEMENTED (the ${this.options.transport} transport cannot return the Stat)`, {
        code: 'UNIMPLEMENTED',
        operation: 'create',
        path,
      });
    if (this.options.transport === 'node-zookeeper-client') throw unimplemented();
    const created = await this.createNode(path, data, options);
    if (created.stat === undefined) throw unimplemented();
    return { path: created.path, stat: created.stat };
  }

  /**
   * Creates a container node (ZooKeeper 3.5+): the server deletes it once its last child is gone (checked
   * every `znode.container.checkIntervalMs`). The way to make lock and queue parents that clean up after
   * themselves.
   */
  createContainer(path: string, data?: NodeData, options: Omit<CreateOptions, 'mode' | 'ttlMs'> & WaitOptions = {}): Promise<string> {
    return this.create(path, data, { ...options, mode: 'container' });
  }

  private async createNode(path: string, data: NodeData | undefined, options: CreateOptions & WaitOptions): Promise<{ path: string; stat: Stat | undefined }> {
    const mode: CreateMode = validateMode(options.mode);
    const ttlMs = validateTtl(mode, options.ttlMs);
    const sequential = mode.endsWith('sequential') || mode === 'persistent-sequential-with-ttl';
    validatePath(path);
    if (path === '/') throw new TypeError('cannot create the root node');
    validateWaitOptions(options);
    const payload = toPayload(data);
    const acl = options.acl === undefined ? this.options.defaultAcl : validateAcl(options.acl);
    const deadline = Deadline.from(options, this.options.operationTimeoutMs);
    const createParents = options.createParents === true || options.createParents === 'container' ? options.createParents : false;
    const node = { data: payload, acl, mode, ttlMs };
    if (!options.protected) {
      const full = this.full(path);
      checkRequestSize(this.sizes.create(full, payload, acl, mode), 'create');
      return this.execute('create', path, deadline, !sequential, async (wire) =>
        this.relativeCreated(await createNode(wire, { path: full, ...node }, this.parentNodes(createParents))),
      );
    }
    const prefix = protectedPrefix();
    const fullParent = this.full(parentPath(path));
    const full = joinPath(fullParent, prefix + nodeName(path));
    checkRequestSize(this.sizes.create(full, payload, acl, mode), 'create');
    let mayExist = false;
    return this.execute('create', path, deadline, true, async (wire) => {
      if (mayExist) {
        const found = await findProtectedNode(wireAccess(wire), fullParent, prefix, mode.startsWith('ephemeral'));
        if (found !== undefined) return this.relativeCreated(found);
      }
      mayExist = true;
      return this.relativeCreated(await createNode(wire, { path: full, ...node }, this.parentNodes(createParents)));
    });
  }

  private relativeCreated(created: { path: string; stat: Stat | undefined }): { path: string; stat: Stat | undefined } {
    return { path: this.relative(created.path), stat: created.stat };
  }

  /**
   * How a create makes missing parents (none when not asked). Containers are asked for until the server or
   * transport refused one (`UNIMPLEMENTED`); from then on this client makes persistent parents.
   */
  private parentNodes(createParents: boolean | 'container'): ParentNodes | undefined {
    if (createParents === false) return undefined;
    return {
      acl: this.options.defaultAcl,
      container: createParents === 'container' && !this.noContainers,
      onContainersRefused: () => (this.noContainers = true),
    };
  }

  /** Reads a node's data and stat; `watch` leaves a one-shot watch. */
  async getData(path: string, options: WatchOption & WaitOptions = {}): Promise<DataResult> {
    validatePath(path);
    validateWaitOptions(options);
    const watch = this.wrapWatch(options.watch);
    return this.run('getData', path, options, (wire) => wire.getData(this.full(path), watch));
  }

  /** Writes a node's data; `version` makes it conditional. Resolves with the new stat. */
  async setData(path: string, data: NodeData, options: { version?: number } & WaitOptions = {}): Promise<Stat> {
    validatePath(path);
    validateWaitOptions(options);
    const payload = toPayload(data);
    const version = validateVersion(options.version);
    checkRequestSize(this.sizes.setData(this.full(path), payload), 'setData');
    return this.run('setData', path, options, (wire) => wire.setData(this.full(path), payload, version));
  }

  /** Stat of a node, or `null` when it does not exist; `watch` leaves a one-shot watch either way. */
  async exists(path: string, options: WatchOption & WaitOptions = {}): Promise<Stat | null> {
    validatePath(path);
    validateWaitOptions(options);
    const watch = this.wrapWatch(options.watch);
    return this.run('exists', path, options, (wire) => wire.exists(this.full(path), watch));
  }

  /** Children names (unsorted, as the server returns them) and the parent's stat. */
  async getChildren(path: string, options: WatchOption & WaitOptions = {}): Promise<ChildrenResult> {
    validatePath(path);
    validateWaitOptions(options);
    const watch = this.wrapWatch(options.watch);
    return this.run('getChildren', path, options, (wire) => wire.getChildren(this.full(path), watch));
  }

  /**
   * Deletes a node. `recursive` deletes the subtree first; `guaranteed` keeps retrying in the background
   * (across reconnects) when the delete fails for connection reasons, until the node is gone.
   */
  async delete(path: string, options: DeleteOptions & WaitOptions = {}): Promise<void> {
    validatePath(path);
    if (path === '/' && this.options.namespace === '') throw new TypeError('cannot delete the root node');
    validateWaitOptions(options);
    const version = validateVersion(options.version);
    const full = this.full(path);
    // A retry happens only after a failure that may hide a success: NO_NODE then means our earlier attempt
    // deleted the node, which is what the caller asked for.
    let sent = 0;
    const attempt = (): Promise<void> =>
      this.run('delete', path, options, async (wire) => {
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
      if (mayRecover(error)) {
        this.guaranteedDeletes.add(path, version, options.recursive === true);
      }
      throw error;
    }
  }

  /** Reads a node's ACL. */
  async getACL(path: string, options: WaitOptions = {}): Promise<{ acl: Acl[]; stat: Stat }> {
    validatePath(path);
    validateWaitOptions(options);
    return this.run('getACL', path, options, (wire) => wire.getACL(this.full(path)));
  }

  /** Sets a node's ACL; `version` is the expected ACL version (`aversion`). */
  async setACL(path: string, acl: Acl[], options: { version?: number } & WaitOptions = {}): Promise<Stat> {
    validatePath(path);
    validateAcl(acl);
    validateWaitOptions(options);
    const version = validateVersion(options.version);
    return this.run('setACL', path, options, (wire) => wire.setACL(this.full(path), acl, version));
  }

  /** Makes the server this client is connected to catch up with the leader, for reads after it. */
  async sync(path: string, options: WaitOptions = {}): Promise<void> {
    validatePath(path);
    validateWaitOptions(options);
    return this.run('sync', path, options, (wire) => wire.sync(this.full(path)));
  }

  /** Number of all descendants of a node, counted by the server (ZooKeeper 3.6+). */
  async countChildren(path: string, options: WaitOptions = {}): Promise<number> {
    validatePath(path);
    validateWaitOptions(options);
    return this.run('countChildren', path, options, (wire) => wire.countChildren(this.full(path)));
  }

  /** Paths of this session's ephemeral nodes under `prefix` (a path prefix, not only a parent; 3.6+). */
  async getEphemerals(prefix = '/', options: WaitOptions = {}): Promise<string[]> {
    validatePath(prefix, 'prefix');
    validateWaitOptions(options);
    return this.run('getEphemerals', prefix, options, async (wire) =>
      (await wire.getEphemerals(this.full(prefix))).map((path) => this.relative(path)),
    );
  }

  /**
   * Several reads in one round trip (ZooKeeper 3.6+). Unlike a transaction each read succeeds or fails on
   * its own: a failed one is `{ type: 'error', error }` in its place. Leaves no watches.
   */
  async multiRead(ops: readonly MultiReadOp[], options: WaitOptions = {}): Promise<MultiReadResult[]> {
    const given: unknown = ops; // checked as a JavaScript caller may pass it (narrowing `ops` itself would make its items `any`)
    if (!Array.isArray(given) || given.length === 0) throw new TypeError('multiRead takes a non-empty array of { type, path }');
    for (const op of ops) {
      const type: unknown = op?.type;
      if (type !== 'getData' && type !== 'getChildren') throw new TypeError(`multiRead op type must be getData or getChildren, got ${inspect(type)}`);
      validatePath(op.path);
    }
    validateWaitOptions(options);
    const full = ops.map((op) => ({ type: op.type, path: this.full(op.path) }));
    checkRequestSize(encodedSize.header + full.reduce((sum, op) => sum + 9 + this.sizes.path(op.path) + 1, 9), 'multiRead');
    return this.execute('multiRead', undefined, Deadline.from(options, this.options.operationTimeoutMs), true, async (wire) =>
      (await wire.multiRead(full)).map((result, index) => {
        const op = ops[index];
        return result.type === 'error' && op !== undefined ? { type: 'error', error: this.withCallerPath(result.error, op.path) } : result;
      }),
    );
  }

  /** The identities the server attached to this session (its address, digest users; ZooKeeper 3.7+). */
  async whoAmI(options: WaitOptions = {}): Promise<ClientIdentity[]> {
    validateWaitOptions(options);
    return this.execute('whoAmI', undefined, Deadline.from(options, this.options.operationTimeoutMs), true, (wire) => wire.whoAmI());
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
    if (this.closePromise) throw ZkError.of('CLIENT_CLOSED', 'addWatch', path);
    const watcher = new PersistentWatch(this, path, mode, {
      add: (listener, deadline) =>
        this.execute('addWatch', path, deadline, true, (wire) => wire.addWatch(this.full(path), mode, this.persistentListener(listener))),
      remove: async (listener) => {
        // Best effort: a watch the server still has after a failure only costs notifications nobody hears.
        const wire = this.connection.session;
        await wire?.removeWatches(this.full(path), mode, !this.connection.isLive, this.persistentListener(listener)).catch(() => undefined);
      },
      timeoutMs: this.options.operationTimeoutMs,
    });
    this.persistentWatchers.add(watcher);
    watcher.onClosed = () => this.persistentWatchers.delete(watcher);
    watcher.start();
    return watcher;
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
      return wire.removeWatches(this.full(path), kind, true);
    }
    return this.run('removeWatches', path, options, (wire) => wire.removeWatches(this.full(path), kind, false));
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
    if (this.closePromise) throw ZkError.of('CLIENT_CLOSED', 'addAuth');
    const held = redactedAuth(auth);
    this.options.auth.push(held);
    this.connection.session?.addAuth(held);
    await this.authBarrier('addAuth');
  }

  /** Starts a transaction (atomic multi-op). */
  transaction(): Transaction {
    return new ZkTransaction((ops, options) => this.commitTransaction(ops, options));
  }

  private commitTransaction(ops: readonly TransactionOp[], options: WaitOptions | undefined): Promise<TransactionResult[]> {
    const wireOps = ops.map((op) => {
      const full = this.full(op.path);
      switch (op.type) {
        case 'create':
          return { ...op, path: full, data: toPayload(op.data), acl: op.acl ?? this.options.defaultAcl };
        case 'setData':
          return { ...op, path: full, data: toPayload(op.data) };
        default:
          return { ...op, path: full };
      }
    });
    checkRequestSize(this.sizes.transaction(wireOps), 'transaction');
    const deadline = Deadline.from(options, this.options.operationTimeoutMs);
    // A multi-op is not idempotent (a create would fail, an unversioned setData apply twice): never retried.
    return this.execute('transaction', undefined, deadline, false, async (wire) => {
      try {
        const results = await wire.transaction(wireOps);
        return results.map((result) => (result.type === 'create' ? { type: 'create', path: this.relative(result.path) } : result));
      } catch (error) {
        const failed = isZkError(error) && error.failedOp !== undefined ? ops[error.failedOp] : undefined;
        throw failed ? this.withCallerPath(error as ZkError, failed.path) : error;
      }
    });
  }

  /** Watches a node's data; re-arms itself after every trigger, reconnect and new session. */
  watchData(path: string): Watcher<Buffer> {
    validatePath(path);
    return this.track(dataWatcher(this, path));
  }

  /** Watches a node's children (sorted); re-arms itself. */
  watchChildren(path: string): Watcher<string[]> {
    validatePath(path);
    return this.track(childrenWatcher(this, path));
  }

  /** Watches whether a node exists (its stat); re-arms itself. */
  watchExists(path: string): Watcher<Stat> {
    validatePath(path);
    return this.track(existsWatcher(this, path));
  }

  private track<T>(watcher: RearmingWatcher<T>): RearmingWatcher<T> {
    if (this.closePromise) {
      // Reported where a watcher reports: its ready() rejects and its iterators end.
      void watcher.close(ZkError.of('CLIENT_CLOSED', 'getData', watcher.path));
      return watcher;
    }
    this.watchers.add(watcher as RearmingWatcher<unknown>);
    watcher.onClosed = () => this.watchers.delete(watcher as RearmingWatcher<unknown>);
    watcher.start();
    return watcher;
  }

  private run<T>(operation: ZkOperation, path: string, options: WaitOptions, op: (wire: Transport) => Promise<T>): Promise<T> {
    return this.execute(operation, path, Deadline.from(options, this.options.operationTimeoutMs), true, op);
  }

  /**
   * Runs one operation: waits for a connection (within the deadline), sends, bounds the wait for the reply
   * by the deadline, retries retriable failures when `retry`, and publishes a trace event.
   */
  private async execute<T>(
    operation: ZkOperation,
    path: string | undefined,
    deadline: Deadline,
    retry: boolean,
    op: (wire: Transport) => Promise<T>,
  ): Promise<T> {
    if (this.closePromise) throw ZkError.of('CLIENT_CLOSED', operation, path);
    if (this.startPromise === undefined) await this.startOnFirstUse();
    const started = channels.op.hasSubscribers ? performance.now() : 0;
    const send = (wire: Transport): Promise<T> => {
      const reply = op(wire);
      if (deadline.at === Infinity && !deadline.signal) return reply;
      return this.deadlines.bound(reply, deadline, () => ZkError.of('OPERATION_TIMEOUT', operation, path));
    };
    const attempt = (): Promise<T> => {
      deadline.throwIfAborted();
      if (deadline.expired()) throw ZkError.of('OPERATION_TIMEOUT', operation, path);
      // Connected (the common case): send at once, without waiting a microtask for the connection.
      const live = this.connection.isLive ? this.connection.session : undefined;
      return live ? send(live) : this.connection.ready(deadline, operation, path).then(send);
    };
    try {
      return await withRetry(this.options.retry, deadline, attempt, (error) => retry && isZkError(error) && error.retriable);
    } catch (error) {
      throw isZkError(error) && path !== undefined && error.path !== path ? this.withCallerPath(error, path) : error;
    } finally {
      if (started !== 0) {
        channels.op.publish({ operation, path, sessionId: this.sessionId, durationMs: performance.now() - started });
      }
    }
  }

  /** Re-labels an error raised on a server path (namespace applied) with the caller's path. */
  private withCallerPath(error: ZkError, path: string): ZkError {
    const what = error.failedOp === undefined ? error.operation : `${error.operation} op ${error.failedOp}`;
    // Whatever the message says after the code (e.g. what the server lacks) stays.
    const note = error.message.slice(error.message.indexOf(`: ${error.code}`) + error.code.length + 2);
    return new ZkError(`${what} ${path}: ${error.code}${note}`, {
      code: error.code,
      operation: error.operation,
      path,
      failedOp: error.failedOp,
      cause: error.cause,
    });
  }

  /** One wrapper per callback, so that passing the same callback again does not stack up watches. */
  private wrapWatch(watch: WatchOption['watch']): WatchCallback | undefined {
    if (watch === undefined) return undefined;
    if (typeof watch !== 'function') throw new TypeError('watch must be a function');
    let wrapped = this.watchWrappers.get(watch);
    if (!wrapped) {
      wrapped = (event) => {
        // The wire client calls every watch of an event in a row from its socket handler: one that throws
        // must not stop the others (nor reach the socket handler). As the Java client does, it is logged.
        const path = this.relative(event.path);
        try {
          watch({ type: event.type, path });
        } catch (error) {
          this.options.logger.error({ err: error, path, event: event.type }, 'zookeeper watch callback threw');
        }
      };
      this.watchWrappers.set(watch, wrapped);
    }
    return wrapped;
  }

  /** A persistent watch's listener as the transport calls it: server paths made relative, one per listener. */
  private persistentListener(listener: WatchCallback): WatchCallback {
    let wrapped = this.persistentListeners.get(listener);
    if (!wrapped) {
      wrapped = (event) => listener({ type: event.type, path: this.relative(event.path) });
      this.persistentListeners.set(listener, wrapped);
    }
    return wrapped;
  }

  private full(path: string): string {
    return withNamespace(this.options.namespace, path);
  }

  private relative(path: string): string {
    return withoutNamespace(this.options.namespace, path);
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
