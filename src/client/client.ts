/** {@link ZkClient}: the typed, retrying, reconnecting ZooKeeper client. */
import { EventEmitter } from 'eventemitter3';
import { AsyncQueue } from './async-queue';
import { Connection } from './connection';
import { Deadline, waitUntil } from './deadline';
import { isZkError, mayRecover, ZkError, type ZkOperation } from './errors';
import { GuaranteedDeletes } from './guaranteed-deletes';
import { channels } from './logger';
import { resolveOptions, type ResolvedOptions, type ZkClientOptions } from './options';
import { joinPath, nodeName, parentPath, validatePath, withNamespace, withoutNamespace } from './paths';
import { findProtectedNode, protectedPrefix } from './protected-create';
import { RequestSizes } from './request-sizes';
import { withRetry } from './retry';
import { ZkTransaction } from './transaction';
import type {
  Acl,
  AuthInfo,
  ChildrenResult,
  ClientEvents,
  ConnectionState,
  CreateMode,
  CreateOptions,
  DataResult,
  DeleteOptions,
  NodeData,
  SessionCredentials,
  Stat,
  StateInfo,
  Transaction,
  TransactionOp,
  TransactionResult,
  WaitOptions,
  Watcher,
  WatchOption,
  ZooKeeperClient,
} from './types';
import { checkRequestSize, toPayload, validateAcl, validateMode, validateVersion, validateWaitOptions } from './validate';
import { childrenWatcher, dataWatcher, existsWatcher, type RearmingWatcher } from './watchers';
import type { WireSession, WireWatch } from './wire';
import { createNode, deleteTree, makeParents, wireAccess } from './wire-ops';

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
  private readonly watchWrappers = new WeakMap<NonNullable<WatchOption['watch']>, WireWatch>();
  private startPromise: Promise<void> | undefined;
  private closePromise: Promise<void> | undefined;

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
    await this.execute('create', '/', deadline, true, (wire) => makeParents(wire, this.options.namespace, this.options.defaultAcl));
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
      this.guaranteedDeletes.stop();
      await Promise.all([...this.watchers].map((watcher) => watcher.close()));
      await this.connection.close();
    })();
    return this.closePromise;
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
   * prefix instead of creating a second one. Unprotected sequential creates are never retried.
   */
  async create(path: string, data?: NodeData, options: CreateOptions & WaitOptions = {}): Promise<string> {
    const mode: CreateMode = validateMode(options.mode);
    const sequential = mode.endsWith('sequential');
    validatePath(path);
    if (path === '/') throw new TypeError('cannot create the root node');
    validateWaitOptions(options);
    const payload = toPayload(data);
    const acl = options.acl === undefined ? this.options.defaultAcl : validateAcl(options.acl);
    const deadline = Deadline.from(options, this.options.operationTimeoutMs);
    const createParents = options.createParents === true;
    if (!options.protected) {
      const full = this.full(path);
      checkRequestSize(this.sizes.create(full, payload, acl), 'create');
      return this.execute('create', path, deadline, !sequential, async (wire) =>
        this.relative(await createNode(wire, full, payload, acl, mode, createParents ? this.options.defaultAcl : undefined)),
      );
    }
    const prefix = protectedPrefix();
    const fullParent = this.full(parentPath(path));
    const full = joinPath(fullParent, prefix + nodeName(path));
    checkRequestSize(this.sizes.create(full, payload, acl), 'create');
    let mayExist = false;
    return this.execute('create', path, deadline, true, async (wire) => {
      if (mayExist) {
        const found = await findProtectedNode(wireAccess(wire), fullParent, prefix, mode.startsWith('ephemeral'));
        if (found !== undefined) return this.relative(found.path);
      }
      mayExist = true;
      return this.relative(await createNode(wire, full, payload, acl, mode, createParents ? this.options.defaultAcl : undefined));
    });
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
    this.options.auth.push(auth);
    this.connection.session?.addAuth(auth);
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

  private run<T>(operation: ZkOperation, path: string, options: WaitOptions, op: (wire: WireSession) => Promise<T>): Promise<T> {
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
    op: (wire: WireSession) => Promise<T>,
  ): Promise<T> {
    if (this.closePromise) throw ZkError.of('CLIENT_CLOSED', operation, path);
    if (this.startPromise === undefined) await this.startOnFirstUse();
    const started = channels.op.hasSubscribers ? performance.now() : 0;
    const attempt = async (): Promise<T> => {
      deadline.throwIfAborted();
      if (deadline.expired()) throw ZkError.of('OPERATION_TIMEOUT', operation, path);
      const wire = await this.connection.ready(deadline, operation, path);
      const reply = op(wire);
      if (deadline.at === Infinity && !deadline.signal) return reply;
      reply.catch(() => undefined); // a reply that comes after the deadline or an abort is nobody's business
      return waitUntil<T>(
        deadline,
        (done, fail) => {
          reply.then(done, fail);
          return () => undefined;
        },
        () => ZkError.of('OPERATION_TIMEOUT', operation, path),
      );
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
    return new ZkError(`${what} ${path}: ${error.code}`, {
      code: error.code,
      operation: error.operation,
      path,
      failedOp: error.failedOp,
      cause: error.cause,
    });
  }

  /** One wrapper per callback, so that passing the same callback again does not stack up watches. */
  private wrapWatch(watch: WatchOption['watch']): WireWatch | undefined {
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

  private full(path: string): string {
    return withNamespace(this.options.namespace, path);
  }

  private relative(path: string): string {
    return withoutNamespace(this.options.namespace, path);
  }
}
