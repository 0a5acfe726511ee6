/**
 * Our own transport: one ZooKeeper session over a socket it owns, speaking the protocol directly.
 *
 * - Connects to the shuffled servers of the connect string in turn (pausing up to `reconnectDelayMs` once
 *   all were tried), resumes the session with its id, password and the last zxid seen, re-sends the
 *   credentials and re-registers the armed watches (SetWatches) on every connection.
 * - Replies come in request order, so a reply is matched with the oldest pending request; anything else
 *   (a reply to another xid, a reserved negative xid, an unreadable frame) means the stream cannot be
 *   trusted: the connection is dropped with a logged reason, the pending requests fail with CONNECTION_LOSS
 *   at once (the one whose reply was unreadable with UNKNOWN), and the session reconnects.
 * - One timer per connection: the handshake deadline while connecting; then a ping after ⅓ of the
 *   negotiated timeout without sending, and a drop after ⅔ without hearing anything. Per-request deadlines
 *   are the client's business (see `client.ts`).
 * - Requests of one tick leave in one socket write, from one reused buffer.
 * - Connected to a read-only server (`canBeReadOnly`), it looks for a read/write one in the background and
 *   moves there once one answers (see `rw-server-search.ts`). Until it has seen a read/write server it opens
 *   a new session on every connection, as the Java client: a read-only server's session is valid nowhere else.
 * - Nothing a server sends throws out of a socket handler.
 */
import * as net from 'node:net';
import { codeName } from '../error-codes';
import { ZkError, type ZkOperation } from '../errors';
import type { Logger } from '../logger';
import {
  transactionFailure,
  type CreateRequest,
  type Transport,
  type TransportOptions,
  type TransportState,
  type TransportTransactionOp,
  type WatchCallback,
} from '../transport';
import type {
  Acl,
  AuthInfo,
  ClientIdentity,
  MultiReadOp,
  MultiReadResult,
  PersistentWatchMode,
  Stat,
  TransactionResult,
  WatchEvent,
  WatchKind,
} from '../types';
import { FrameSplitter } from './framing';
import { HostList, type HostPort } from './host-list';
import { JuteReader, JuteWriter, ProtocolError } from './jute';
import { AddWatchMode, CreateFlag, Err, EventType, OpCode, WatcherType, Xid } from './ops';
import { PendingRequests } from './pending-requests';
import {
  type MultiOp,
  type MultiResult,
  readChildren2,
  readConnectResponse,
  readCreate2,
  readGetAcl,
  readGetData,
  readMulti,
  readStat,
  readWatcherEvent,
  readWhoAmI,
  writeAuth,
  writeConnectRequest,
  writeCreate,
  writeMulti,
  writePathVersion,
  writePathWatch,
  writeRequestHeader,
  writeSetAcl,
  writeSetData,
  writeSetWatches2,
  type WatchSet,
} from './records';
import { ReadWriteServerSearch } from './rw-server-search';
import { type OneShotKind, WatchRegistry } from './watch-registry';

/** Bytes of watched paths per SetWatches packet: the Java client's limit, well under `jute.maxbuffer`. */
const SET_WATCHES_MAX_BYTES = 128 * 1024;

/**
 * Longest negotiated timeout accepted above the one asked for. A server raises a request only to its own
 * minimum (two ticks); more than this is not a ZooKeeper server, and would void the read timeout.
 */
const MAX_RAISED_TIMEOUT_MS = 120_000;

const PASSWORD_BYTES = 16;

const eventTypes: Partial<Record<number, WatchEvent['type']>> = {
  [EventType.created]: 'created',
  [EventType.deleted]: 'deleted',
  [EventType.dataChanged]: 'data-changed',
  [EventType.childrenChanged]: 'children-changed',
};

/** Notifications that carry no node event: connection-state events and watch-removed confirmations. */
const quietEventTypes: ReadonlySet<number> = new Set([
  EventType.none,
  EventType.dataWatchRemoved,
  EventType.childWatchRemoved,
  EventType.persistentWatchRemoved,
]);

type Phase = 'idle' | 'waiting' | 'connecting' | 'handshaking' | 'connected' | 'closed';

/** Throws the ZkError of a reply's error code, unless it is 0. */
function ok(operation: ZkOperation, path: string | undefined, err: number): void {
  if (err !== Err.ok) throw ZkError.of(codeName(err), operation, path);
}

const noBody = (): void => undefined;

/** The results of a multi or multiRead reply, one per op sent (a count that differs is a protocol error). */
function readMultiReply(operation: ZkOperation, sent: number, r: JuteReader, err: number): MultiResult[] {
  ok(operation, undefined, err);
  const results = readMulti(r);
  if (results.length !== sent) throw new ProtocolError(`${operation} reply with ${results.length} results for ${sent} ops`);
  return results;
}

/** One session of our own transport; see the module comment. */
export class ZkSession implements Transport {
  private readonly hosts: HostList;
  private readonly requestedTimeoutMs: number;
  private readonly reconnectDelayMs: number;
  private readonly canBeReadOnly: boolean;
  private readonly logger: Logger;
  private readonly onState: (state: TransportState) => void;
  private readonly auth: AuthInfo[];
  private readonly createSocket: (host: string, port: number) => net.Socket;
  private readonly writer = new JuteWriter();
  private readonly frames = new FrameSplitter();
  private readonly pending = new PendingRequests();
  private readonly watches = new WatchRegistry();
  private phase: Phase = 'idle';
  private socket: net.Socket | undefined;
  private timer: NodeJS.Timeout | undefined;
  private flushQueued = false;
  private id = 0n;
  private passwd: Buffer = Buffer.alloc(PASSWORD_BYTES);
  private negotiatedMs: number;
  private lastZxid = 0n;
  private xid = 0;
  private lastSentAt = 0;
  private lastHeardAt = 0;
  private remote = '';
  private lastError: Error | undefined;
  /** SetWatches packets of this connection not yet answered; the connection is reported once they are. */
  private setWatchesPending = 0;
  private readOnly = false;
  /** Whether a read/write server ever answered; until then every handshake asks for a new session. */
  private seenReadWrite = false;
  /** With `canBeReadOnly`: the search for a read/write server, active while connected read-only. */
  private readonly rwSearch: ReadWriteServerSearch | undefined;

  constructor(options: TransportOptions) {
    this.hosts = new HostList(options.connectString);
    this.requestedTimeoutMs = options.sessionTimeoutMs;
    this.negotiatedMs = options.sessionTimeoutMs;
    this.reconnectDelayMs = options.reconnectDelayMs;
    this.canBeReadOnly = options.canBeReadOnly;
    this.logger = options.logger;
    this.onState = options.onState;
    this.auth = [...options.auth];
    this.createSocket = options.createSocket ?? ((host, port) => net.connect({ host, port }));
    if (this.canBeReadOnly) {
      this.rwSearch = new ReadWriteServerSearch({
        candidates: () => this.hosts.all.filter(({ host, port }) => `${host}:${port}` !== this.remote),
        createSocket: this.createSocket,
        onFound: this.onReadWriteServerFound,
        logger: this.logger,
      });
    }
  }

  connect(): void {
    if (this.phase === 'idle') this.openSocket();
  }

  get sessionId(): Buffer {
    const id = Buffer.allocUnsafe(8);
    id.writeBigInt64BE(this.id);
    return id;
  }

  get password(): Buffer {
    return this.passwd;
  }

  get timeoutMs(): number {
    return this.negotiatedMs;
  }

  get server(): string {
    return this.phase === 'connected' ? this.remote : '';
  }
  /** Why the last connection attempt failed (ECONNREFUSED, ENOTFOUND, a reply that is not ZooKeeper's), if it did. */
  get lastConnectError(): Error | undefined {
    return this.lastError;
  }


  dropConnection(): void {
    if (this.socket) this.drop(this.socket, 'dropped on request');
  }

  async close(timeoutMs: number): Promise<void> {
    if (this.phase === 'closed') return;
    if (this.phase === 'connected') {
      let timer: NodeJS.Timeout | undefined;
      // The server answers closeSession and then closes the socket; either ends the wait.
      await Promise.race([
        this.request('close', undefined, OpCode.closeSession, noBody, noBody).catch(() => undefined),
        new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs))),
      ]);
      clearTimeout(timer);
    }
    this.abandon();
  }

  abandon(): void {
    if (this.phase === 'closed') return;
    this.phase = 'closed';
    clearTimeout(this.timer);
    this.rwSearch?.stop();
    const socket = this.socket;
    this.socket = undefined;
    if (socket) this.destroy(socket);
    this.writer.discard();
    this.pending.failAll('CONNECTION_LOSS');
  }

  addAuth(auth: AuthInfo): void {
    this.auth.push(auth);
    if (this.phase === 'connected') this.sendAuth(auth);
  }

  /** create2 for the plain modes (the Stat comes back), createContainer and createTTL for the others. */
  create(request: CreateRequest): Promise<{ path: string; stat: Stat | undefined }> {
    const { path, data, acl, mode, ttlMs } = request;
    const ttl = mode === 'persistent-with-ttl' || mode === 'persistent-sequential-with-ttl';
    const op = ttl ? OpCode.createTTL : mode === 'container' ? OpCode.createContainer : OpCode.create2;
    return this.request(
      'create',
      path,
      op,
      (w) => writeCreate(w, this.hosts.toServer(path), data, acl, CreateFlag[mode], ttl ? ttlMs : undefined),
      (r, err) => {
        if (ttl && err === Err.unimplemented) {
          throw new ZkError(`create ${path}: UNIMPLEMENTED (TTL nodes need a server with zookeeper.extendedTypesEnabled=true)`, {
            code: 'UNIMPLEMENTED',
            operation: 'create',
            path,
          });
        }
        ok('create', path, err);
        const created = readCreate2(r);
        return { path: this.hosts.fromServer(created.path), stat: created.stat };
      },
    );
  }

  getData(path: string, watch?: WatchCallback): Promise<{ data: Buffer; stat: Stat }> {
    return this.read('getData', path, OpCode.getData, watch, (r, err) => {
      ok('getData', path, err);
      this.arm('data', path, watch);
      return readGetData(r);
    });
  }

  setData(path: string, data: Buffer, version: number): Promise<Stat> {
    return this.request(
      'setData',
      path,
      OpCode.setData,
      (w) => writeSetData(w, this.hosts.toServer(path), data, version),
      (r, err) => (ok('setData', path, err), readStat(r)),
    );
  }

  exists(path: string, watch?: WatchCallback): Promise<Stat | null> {
    return this.read('exists', path, OpCode.exists, watch, (r, err) => {
      if (err === Err.noNode) {
        this.arm('exist', path, watch);
        return null;
      }
      ok('exists', path, err);
      this.arm('data', path, watch);
      return readStat(r);
    });
  }

  getChildren(path: string, watch?: WatchCallback): Promise<{ children: string[]; stat: Stat }> {
    return this.read('getChildren', path, OpCode.getChildren2, watch, (r, err) => {
      ok('getChildren', path, err);
      this.arm('child', path, watch);
      return readChildren2(r);
    });
  }

  delete(path: string, version: number): Promise<void> {
    return this.request(
      'delete',
      path,
      OpCode.delete,
      (w) => writePathVersion(w, this.hosts.toServer(path), version),
      (_, err) => ok('delete', path, err),
    );
  }

  getACL(path: string): Promise<{ acl: Acl[]; stat: Stat }> {
    return this.request(
      'getACL',
      path,
      OpCode.getACL,
      (w) => w.string(this.hosts.toServer(path)),
      (r, err) => (ok('getACL', path, err), readGetAcl(r)),
    );
  }

  setACL(path: string, acl: Acl[], version: number): Promise<Stat> {
    return this.request(
      'setACL',
      path,
      OpCode.setACL,
      (w) => writeSetAcl(w, this.hosts.toServer(path), acl, version),
      (r, err) => (ok('setACL', path, err), readStat(r)),
    );
  }

  sync(path: string): Promise<void> {
    return this.request(
      'sync',
      path,
      OpCode.sync,
      (w) => w.string(this.hosts.toServer(path)),
      (_, err) => ok('sync', path, err),
    );
  }

  transaction(ops: TransportTransactionOp[]): Promise<TransactionResult[]> {
    const multi = ops.map((op): MultiOp => {
      const path = this.hosts.toServer(op.path);
      switch (op.type) {
        case 'create': {
          const mode = op.mode ?? 'persistent';
          const flags = CreateFlag[mode];
          const data = op.data ?? Buffer.alloc(0);
          const acl = op.acl ?? [];
          if (mode === 'persistent-with-ttl' || mode === 'persistent-sequential-with-ttl') {
            return { op: OpCode.createTTL, path, data, acl, flags, ttlMs: op.ttlMs ?? 0 };
          }
          return { op: mode === 'container' ? OpCode.createContainer : OpCode.create, path, data, acl, flags };
        }
        case 'setData':
          return { op: OpCode.setData, path, data: op.data ?? Buffer.alloc(0), version: op.version ?? -1 };
        case 'delete':
          return { op: OpCode.delete, path, version: op.version ?? -1 };
        case 'check':
          return { op: OpCode.check, path, version: op.version ?? -1 };
      }
    });
    return this.request(
      'transaction',
      undefined,
      OpCode.multi,
      (w) => writeMulti(w, multi),
      (r, err) => {
        const results = readMultiReply('transaction', ops.length, r, err);
        const failed = results.findIndex((result) => result.op === OpCode.error && result.err !== Err.ok);
        if (failed >= 0) throw transactionFailure(ops, failed, (results[failed] as { err: number }).err);
        return results.map((result, index): TransactionResult => {
          const type = ops[index]?.type;
          if (type === undefined) throw new ProtocolError(`multi result ${index} for ${ops.length} ops`);
          if ('path' in result && type === 'create') return { type, path: this.hosts.fromServer(result.path) };
          if ('stat' in result && type === 'setData') return { type, stat: result.stat };
          if ((type === 'delete' && result.op === OpCode.delete) || (type === 'check' && result.op === OpCode.check)) return { type };
          throw new ProtocolError(`multi result of type ${result.op} for a ${type}`);
        });
      },
    );
  }

  countChildren(path: string): Promise<number> {
    return this.request(
      'countChildren',
      path,
      OpCode.getAllChildrenNumber,
      (w) => w.string(this.hosts.toServer(path)),
      (r, err) => (ok('countChildren', path, err), r.int()),
    );
  }

  getEphemerals(prefix: string): Promise<string[]> {
    return this.request(
      'getEphemerals',
      prefix,
      OpCode.getEphemerals,
      (w) => w.string(this.hosts.toServer(prefix)),
      (r, err) => (ok('getEphemerals', prefix, err), r.strings().map((path) => this.hosts.fromServer(path))),
    );
  }

  multiRead(ops: MultiReadOp[]): Promise<MultiReadResult[]> {
    const multi = ops.map(
      (op): MultiOp => ({ op: op.type === 'getData' ? OpCode.getData : OpCode.getChildren, path: this.hosts.toServer(op.path) }),
    );
    return this.request(
      'multiRead',
      undefined,
      OpCode.multiRead,
      (w) => writeMulti(w, multi),
      (r, err) => {
        const results = readMultiReply('multiRead', ops.length, r, err);
        return results.map((result, index): MultiReadResult => {
          const op = ops[index];
          if (op === undefined) throw new ProtocolError(`multiRead result ${index} for ${ops.length} ops`);
          if (result.op === OpCode.error) return { type: 'error', error: ZkError.of(codeName(result.err), 'multiRead', op.path) };
          if (result.op === OpCode.getData && op.type === 'getData') return { type: 'getData', data: result.data, stat: result.stat };
          if (result.op === OpCode.getChildren && op.type === 'getChildren') return { type: 'getChildren', children: result.children };
          throw new ProtocolError(`multiRead result of type ${result.op} for a ${op.type}`);
        });
      },
    );
  }

  whoAmI(): Promise<ClientIdentity[]> {
    return this.request('whoAmI', undefined, OpCode.whoAmI, noBody, (r, err) => (ok('whoAmI', undefined, err), readWhoAmI(r)));
  }

  addWatch(path: string, mode: PersistentWatchMode, listener: WatchCallback): Promise<void> {
    return this.request(
      'addWatch',
      path,
      OpCode.addWatch,
      (w) => w.string(this.hosts.toServer(path)).int(AddWatchMode[mode]),
      (_, err) => {
        ok('addWatch', path, err);
        this.watches.addPersistent(mode, path, listener);
      },
    );
  }

  async removeWatches(path: string, kind: WatchKind, local: boolean, listener?: WatchCallback): Promise<void> {
    if (!this.watches.has(kind, path)) throw ZkError.of('NO_WATCHER', 'removeWatches', path);
    if (local) {
      this.watches.remove(kind, path, listener);
      return;
    }
    // Others of the kind still watch the path: the server's registration stays for them.
    if (listener && !this.watches.remove(kind, path, listener)) return;
    const persistent = kind === 'persistent' || kind === 'persistent-recursive';
    // A persistent watch is removed with `any` (see WatcherType), which would take the path's other watches
    // off the server too: while there are some, its registration stays (its events find no callback here).
    if (persistent) {
      this.watches.remove(kind, path);
      if (this.watches.has('any', path)) return;
    }
    await this.request(
      'removeWatches',
      path,
      OpCode.removeWatches,
      (w) => w.string(this.hosts.toServer(path)).int(WatcherType[kind]),
      (_, err) => {
        ok('removeWatches', path, err);
        this.watches.remove(kind, path);
      },
    );
  }

  /** A read that may leave a watch: path and watch flag. */
  private read<T>(
    operation: ZkOperation,
    path: string,
    op: number,
    watch: WatchCallback | undefined,
    complete: (reader: JuteReader, err: number) => T,
  ): Promise<T> {
    return this.request(operation, path, op, (w) => writePathWatch(w, this.hosts.toServer(path), watch !== undefined), complete);
  }

  private arm(kind: OneShotKind, path: string, watch: WatchCallback | undefined): void {
    if (watch) this.watches.addOneShot(kind, path, watch);
  }

  /**
   * Sends one request and resolves with what `complete` reads from its reply. Only on a live connection:
   * otherwise CONNECTION_LOSS at once (the client waits for the connection and retries).
   */
  private request<T>(
    operation: ZkOperation,
    path: string | undefined,
    op: number,
    encode: (writer: JuteWriter) => void,
    complete: (reader: JuteReader, err: number) => T,
  ): Promise<T> {
    if (this.phase !== 'connected') return Promise.reject(ZkError.of('CONNECTION_LOSS', operation, path));
    this.xid = this.xid >= 0x7fffffff ? 1 : this.xid + 1;
    const xid = this.xid;
    this.send(xid, op, encode);
    return new Promise<T>((resolve, reject) => {
      this.pending.push({ xid, operation, path, complete, resolve: resolve as (value: unknown) => void, reject });
    });
  }

  /**
   * Queues one request packet for the next flush. Packets with a reserved xid (ping, auth, SetWatches) have
   * no pending entry: their replies are handled by xid.
   */
  private send(xid: number, op: number, encode: (writer: JuteWriter) => void): void {
    writeRequestHeader(this.writer.beginFrame(), xid, op);
    encode(this.writer);
    this.writer.endFrame();
    this.queueFlush();
  }

  private queueFlush(): void {
    if (this.flushQueued) return;
    this.flushQueued = true;
    process.nextTick(this.flush);
  }

  /** Writes everything queued since the last flush in one socket write. */
  private readonly flush = (): void => {
    this.flushQueued = false;
    if (this.writer.pending === 0) return;
    const socket = this.socket;
    if (!socket || (this.phase !== 'connected' && this.phase !== 'handshaking')) {
      this.writer.discard();
      return;
    }
    socket.write(this.writer.take());
    this.lastSentAt = performance.now();
  };

  private openSocket(): void {
    if (this.phase === 'closed') return;
    const { host, port } = this.hosts.next();
    this.frames.reset();
    this.writer.discard();
    this.remote = `${host}:${port}`;
    const socket = this.createSocket(host, port);
    socket.setNoDelay(true);
    this.socket = socket;
    this.phase = 'connecting';
    socket.on('connect', () => this.onConnect(socket));
    socket.on('data', (chunk: Buffer) => this.onData(socket, chunk));
    socket.on('error', (error: Error) => {
      if (socket === this.socket && this.phase !== 'connected') this.lastError = error;
      this.drop(socket, `socket error: ${error.message}`);
    });
    socket.on('close', () => this.drop(socket, 'closed by the server'));
    this.armTimer(this.connectTimeoutMs());
  }

  /**
   * The handshake deadline: the session timeout shared by the servers (as the Java client), at most ⅓ of it,
   * so that a server that accepts connections but never answers leaves time to try the others.
   */
  private connectTimeoutMs(): number {
    return Math.min(this.negotiatedMs / this.hosts.size, this.negotiatedMs / 3);
  }

  private onConnect(socket: net.Socket): void {
    if (socket !== this.socket) return;
    this.phase = 'handshaking';
    writeConnectRequest(this.writer.beginFrame(), {
      lastZxidSeen: this.lastZxid,
      timeoutMs: this.requestedTimeoutMs,
      // A session made by a read-only server is unknown to the others (and a read-only server refuses the others').
      sessionId: this.seenReadWrite ? this.id : 0n,
      password: this.passwd,
      readOnly: this.canBeReadOnly,
    });
    this.writer.endFrame();
    this.flush();
  }

  private onData(socket: net.Socket, chunk: Buffer): void {
    if (socket !== this.socket) return;
    let frames: Buffer[];
    try {
      frames = this.frames.push(chunk);
    } catch (error) {
      if (this.phase === 'handshaking') this.lastError = notZooKeeper(this.remote, error);
      this.drop(socket, (error as Error).message);
      return;
    }
    // Only whole frames count as hearing from the server: a frame that never completes must not keep a
    // dead stream alive.
    if (frames.length > 0) this.lastHeardAt = performance.now();
    for (const frame of frames) {
      if (socket !== this.socket) return; // dropped by an earlier frame of this chunk
      try {
        if (this.phase === 'handshaking') this.onConnectResponse(frame);
        else this.onReply(frame);
      } catch (error) {
        if (this.phase === 'handshaking') {
          this.lastError = notZooKeeper(this.remote, error);
        }
        this.drop(socket, `protocol error: ${(error as Error).message}`);
      }
    }
  }

  private onConnectResponse(frame: Buffer): void {
    const response = readConnectResponse(new JuteReader(frame, 4));
    if (response.timeoutMs <= 0) {
      this.logger.warn({ server: this.remote }, 'zookeeper session expired');
      this.abandon();
      this.onState('expired');
      return;
    }
    if (response.password.length !== PASSWORD_BYTES) {
      throw new ProtocolError(`handshake with a password of ${response.password.length} bytes`);
    }
    if (response.timeoutMs > Math.max(this.requestedTimeoutMs, MAX_RAISED_TIMEOUT_MS)) {
      throw new ProtocolError(`handshake with a session timeout of ${response.timeoutMs} ms (asked for ${this.requestedTimeoutMs})`);
    }
    this.id = response.sessionId;
    this.passwd = response.password;
    this.negotiatedMs = response.timeoutMs;
    this.phase = 'connected';
    this.hosts.connected();
    this.readOnly = response.readOnly;
    if (this.readOnly) this.rwSearch?.start();
    else {
      this.seenReadWrite = true;
      this.rwSearch?.reset();
    }
    // Credentials and watches go first: the server handles them before any request sent after them.
    for (const auth of this.auth) this.sendAuth(auth);
    this.setWatchesPending = this.sendSetWatches();
    this.lastSentAt = this.lastHeardAt = performance.now();
    this.armTimer(this.negotiatedMs / 3);
    // With watches to re-register, the connection is reported once the server has them: a change made by
    // anyone after `reconnected` is then sure to fire them.
    if (this.setWatchesPending === 0) this.onState(this.readOnly ? 'read-only' : 'connected');
  }

  private onReply(frame: Buffer): void {
    const reader = new JuteReader(frame, 4);
    const xid = reader.int();
    const zxid = reader.long();
    const err = reader.int();
    if (zxid > 0n) this.lastZxid = zxid;
    switch (xid) {
      case Xid.ping:
        return;
      case Xid.notification:
        this.onNotification(reader);
        return;
      case Xid.auth:
        if (err === Err.authFailed) {
          this.logger.error({ server: this.remote }, 'zookeeper refused the credentials');
          this.abandon();
          this.onState('auth-failed');
        } else if (err !== Err.ok) {
          this.logger.warn({ server: this.remote, code: codeName(err) }, 'zookeeper auth packet failed');
        }
        return;
      case Xid.setWatches:
        if (err !== Err.ok) this.logger.warn({ server: this.remote, code: codeName(err) }, 'zookeeper refused to re-register watches');
        if (this.setWatchesPending > 0 && --this.setWatchesPending === 0) this.onState(this.readOnly ? 'read-only' : 'connected');
        return;
    }
    const head = this.pending.peek();
    if (xid < 0 || head === undefined || head.xid !== xid) {
      throw new ProtocolError(`reply to xid ${xid} while the oldest request waiting is ${head?.xid ?? 'none'}`);
    }
    this.pending.shift();
    let value: unknown;
    try {
      value = head.complete(reader, err);
    } catch (error) {
      if (error instanceof ZkError) {
        head.reject(error);
        return;
      }
      // An unreadable reply: its request fails with UNKNOWN, and the stream is not trusted any more.
      head.reject(ZkError.of('UNKNOWN', head.operation, head.path, error));
      throw error;
    }
    head.resolve(value);
  }

  private onNotification(reader: JuteReader): void {
    const event = readWatcherEvent(reader);
    const type = eventTypes[event.type];
    if (type === undefined) {
      if (!quietEventTypes.has(event.type)) {
        this.logger.warn({ server: this.remote, eventType: event.type }, 'zookeeper notification of an unknown type ignored');
      }
      return;
    }
    const path = this.hosts.fromServer(event.path);
    for (const callback of this.watches.deliver(type, path)) {
      try {
        callback({ type, path });
      } catch (error) {
        this.logger.error({ err: error, path, event: type }, 'zookeeper watch callback threw');
      }
    }
  }

  private sendAuth(auth: AuthInfo): void {
    const bytes = typeof auth.auth === 'string' ? Buffer.from(auth.auth, 'utf8') : auth.auth;
    this.send(Xid.auth, OpCode.auth, (w) => writeAuth(w, auth.scheme, bytes));
  }

  /**
   * Re-registers the armed watches, with the last zxid seen so that the server fires those whose node changed
   * meanwhile. Split into packets of at most {@link SET_WATCHES_MAX_BYTES} of paths, as the Java client does;
   * SetWatches2 (3.6+) only when there are persistent watches, which older servers cannot have. Returns the
   * number of packets sent.
   */
  private sendSetWatches(): number {
    const all = this.watches.snapshot((path) => this.hosts.toServer(path));
    const kinds = ['data', 'exist', 'child', 'persistent', 'persistentRecursive'] as const;
    const persistent = all.persistent.length > 0 || all.persistentRecursive.length > 0;
    let packet: WatchSet = { data: [], exist: [], child: [], persistent: [], persistentRecursive: [] };
    let bytes = 0;
    let count = 0;
    let packets = 0;
    const send = (set: WatchSet): void => {
      packets += 1;
      if (persistent) this.send(Xid.setWatches, OpCode.setWatches2, (w) => writeSetWatches2(w, this.lastZxid, set));
      else this.send(Xid.setWatches, OpCode.setWatches, (w) => w.long(this.lastZxid).strings(set.data).strings(set.exist).strings(set.child));
    };
    for (const kind of kinds) {
      for (const path of all[kind]) {
        const size = 4 + Buffer.byteLength(path);
        if (count > 0 && bytes + size > SET_WATCHES_MAX_BYTES) {
          send(packet);
          packet = { data: [], exist: [], child: [], persistent: [], persistentRecursive: [] };
          bytes = count = 0;
        }
        packet[kind].push(path);
        bytes += size;
        count += 1;
      }
    }
    if (count > 0) send(packet);
    return packets;
  }

  private sendPing(): void {
    this.send(Xid.ping, OpCode.ping, noBody);
    this.lastSentAt = performance.now();
  }

  /**
   * Arms the connection's one timer. While there is a socket, the socket is what keeps the process alive (as
   * any open connection does); between two attempts to connect the timer must, or a process whose only handle
   * is this client would exit in silence while it waits to reconnect.
   */
  private armTimer(ms: number): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(this.onTimer, Math.max(1, ms));
    if (this.socket) this.timer.unref();
  }

  /** The connection's one timer: handshake deadline, reconnect pause, or ping and read timeout. */
  private readonly onTimer = (): void => {
    const socket = this.socket;
    switch (this.phase) {
      case 'waiting':
        this.openSocket();
        return;
      case 'connecting':
      case 'handshaking':
        if (socket) this.drop(socket, `no handshake within ${Math.round(this.connectTimeoutMs())} ms`);
        return;
      case 'connected': {
        const now = performance.now();
        const readTimeout = (this.negotiatedMs * 2) / 3;
        const pingEvery = this.negotiatedMs / 3;
        if (now - this.lastHeardAt >= readTimeout) {
          if (socket) this.drop(socket, `nothing heard for ${Math.round(now - this.lastHeardAt)} ms`);
          return;
        }
        if (now - this.lastSentAt >= pingEvery) this.sendPing();
        this.armTimer(Math.min(this.lastSentAt + pingEvery, this.lastHeardAt + readTimeout) - now);
        return;
      }
      default:
        return;
    }
  };

  /**
   * Drops `socket` (if it is still the current one): pending requests fail with CONNECTION_LOSS, the state
   * goes to `disconnected`, and the next server is tried (after a pause once all were tried).
   */
  private drop(socket: net.Socket, reason: string): void {
    if (socket !== this.socket) return;
    this.socket = undefined;
    this.destroy(socket);
    clearTimeout(this.timer);
    this.rwSearch?.stop();
    this.writer.discard();
    this.frames.reset();
    const wasLive = this.phase === 'connected';
    if (this.phase === 'closed') return;
    this.logger.info({ server: this.remote, reason }, 'zookeeper connection dropped');
    this.phase = 'waiting';
    this.pending.failAll('CONNECTION_LOSS');
    if (wasLive) this.onState('disconnected');
    if (this.phase !== 'waiting') return; // the state listener closed or abandoned the session
    this.armTimer(this.hosts.exhausted ? Math.random() * this.reconnectDelayMs : 0);
  }

  /** The search found a read/write server: leave the read-only one and connect there at once. */
  private readonly onReadWriteServerFound = (server: HostPort): void => {
    this.hosts.prefer(server);
    if (this.socket && this.phase === 'connected') this.drop(this.socket, `read/write server found at ${server.host}:${server.port}`);
  };

  private destroy(socket: net.Socket): void {
    socket.removeAllListeners();
    socket.on('error', () => undefined);
    socket.destroy();
  }
}

/** The connect error for a server whose first reply is not a ZooKeeper handshake (an HTTP server, say). */
function notZooKeeper(server: string, error: unknown): Error {
  return new Error(`${server} does not speak the ZooKeeper protocol (${error instanceof Error ? error.message : String(error)})`, { cause: error });
}
