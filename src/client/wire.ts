/**
 * The adapter over node-zookeeper-client: the only module that imports it. It turns the wire client's
 * callbacks into promises of our own types, and closes the gaps found in it against ZooKeeper 3.8:
 *
 * - frames are split here, so the wire client always sees one whole reply (it kept partial frames across
 *   reconnects), and a reply it cannot parse (an error code it does not know) or a notification of a type it
 *   does not know never throws inside its socket handler;
 * - nothing heard for ⅔ of the negotiated session timeout (it has no read timeout), or no handshake answer
 *   within the connect timeout, drops the connection so that it reconnects elsewhere;
 * - `sync`, which it does not offer, is sent as a raw request;
 * - once abandoned (session expired or given up), the object never emits or calls back again.
 */
import zookeeper from 'node-zookeeper-client';
import { codeName } from './error-codes';
import { FrameDecoder } from './frames';
import { ZkError, type ZkOperation } from './errors';
import { toStat } from './stat';
import type { Acl, AuthInfo, CreateMode, Stat, TransactionOp, TransactionResult, WatchEvent } from './types';

/** States the wire session reports. */
export type WireState = 'connected' | 'read-only' | 'disconnected' | 'expired' | 'auth-failed';

/** Options of a {@link WireSession}. */
export interface WireSessionOptions {
  /** `host:port,...` with optional chroot. */
  connectString: string;
  /** Requested session timeout. */
  sessionTimeoutMs: number;
  /** Longest random pause after every server was tried once. */
  reconnectDelayMs: number;
  /** Credentials (re)sent on every connection. */
  auth: AuthInfo[];
  /** Called on every state change while the session is not abandoned. */
  onState: (state: WireState) => void;
}

/** A one-shot watch callback as the wire layer passes it on. */
export type WireWatch = (event: WatchEvent) => void;

const CONNECTION_LOSS = -4;
const OP_SYNC = 9;
const OP_ERROR = -1;
const XID_NOTIFICATION = -1;
const CONNECTING = 1;
const CLOSED = -2;
const CONNECTED_STATES = new Set([2, 3]);

const modeNumbers: Record<CreateMode, number> = {
  persistent: 0,
  ephemeral: 1,
  'persistent-sequential': 2,
  'ephemeral-sequential': 3,
};

const eventTypes: Record<number, WatchEvent['type']> = {
  1: 'created',
  2: 'deleted',
  3: 'data-changed',
  4: 'children-changed',
};

/* The wire client's untyped internals, named only here. */
 
type WireClient = any;
type ConnectionManager = any;
type WireCallback = ((error: unknown, response?: any) => void) & { settled?: boolean };
type WirePacket = { request: { header: { xid: number; type: number } | null }; callback?: WireCallback };

/**
 * Result codes the wire client can turn into its own exception. Its `Exception.create` throws on any other
 * code, and it does so inside its socket handler, so replies carrying another code are settled here.
 */
const wireKnownCodes: ReadonlySet<number> = new Set(
  Object.values(zookeeper.Exception).filter((value): value is number => typeof value === 'number'),
);

/** A request object the wire client can queue, for operations it has no class for. */
function rawRequest(type: number, path: string): unknown {
  let chroot = '';
  const header = { xid: 0, type };
  return {
    header,
    payload: {
      setChrootPath(prefix: string): void {
        chroot = prefix ?? '';
      },
    },
    toBuffer(): Buffer {
      const full = chroot === '' ? path : path === '/' ? chroot : chroot + path;
      const pathBytes = Buffer.from(full, 'utf8');
      const buffer = Buffer.alloc(4 + 8 + 4 + pathBytes.length);
      buffer.writeInt32BE(buffer.length - 4, 0);
      buffer.writeInt32BE(header.xid, 4);
      buffer.writeInt32BE(header.type, 8);
      buffer.writeInt32BE(pathBytes.length, 12);
      pathBytes.copy(buffer, 16);
      return buffer;
    },
  };
}

/** Stands for a reply the wire client could not read (no ZooKeeper code; becomes `UNKNOWN`). */
const UNREADABLE_REPLY = -1_000_000;

/**
 * An error shaped like the wire client's own exceptions: its callbacks call `getCode()` on whatever error
 * they are given, so a bare `{ code }` would make them throw.
 */
function wireError(code: number, cause?: unknown): Error & { code: number; getCode(): number } {
  const error = new Error(`ZooKeeper result code ${code}`, cause === undefined ? undefined : { cause }) as Error & {
    code: number;
    getCode(): number;
  };
  error.code = code;
  error.getCode = () => code;
  return error;
}

/** Converts a wire client error (numeric `code`) into a {@link ZkError}. */
function toZkError(error: unknown, operation: ZkOperation, path: string | undefined): ZkError {
  if (error instanceof ZkError) return error;
  const numeric = (error as { code?: unknown } | null)?.code;
  if (typeof numeric === 'number') return ZkError.of(codeName(numeric), operation, path, error);
  return ZkError.of('UNKNOWN', operation, path, error);
}

function toWireAcl(acl: Acl[]): unknown[] {
  return acl.map((entry) => new zookeeper.ACL(entry.perms, new zookeeper.Id(entry.scheme, entry.id)));
}

function fromWireAcl(acl: any[]): Acl[] {
  return (acl ?? []).map((entry) => ({ perms: entry.permission, scheme: entry.id.scheme, id: entry.id.id }));
}

/**
 * One ZooKeeper session over node-zookeeper-client. Reconnects by itself while the session lives; once it
 * expired (or was abandoned) a new WireSession must be made.
 */
export class WireSession {
  private readonly client: WireClient;
  private readonly cm: ConnectionManager;
  private readonly frames = new FrameDecoder();
  private readonly onState: (state: WireState) => void;
  private abandoned = false;
  private lastHeardAt = performance.now();
  private readonly watchWrappers = new WeakMap<WireWatch, (event: any) => void>();
  private livenessTimer: NodeJS.Timeout | undefined;
  private lastError: Error | undefined;

  constructor(options: WireSessionOptions) {
    this.onState = options.onState;
    this.client = zookeeper.createClient(options.connectString, {
      sessionTimeout: options.sessionTimeoutMs,
      spinDelay: options.reconnectDelayMs,
      retries: 0,
    });
    this.cm = this.client.connectionManager;
    for (const { scheme, auth } of options.auth) this.client.addAuthInfo(scheme, Buffer.from(auth));
    this.patchConnectionManager();
    this.client.on('state', (state: { name: string }) => this.handleWireState(state.name));
  }

  /** Starts connecting (and reconnecting, while the session lives). */
  connect(): void {
    this.client.connect();
    this.scheduleLivenessCheck();
  }

  /** Session id, 8 bytes (zeros before the first connect). */
  get sessionId(): Buffer {
    return this.client.getSessionId();
  }

  /** Session password, 16 bytes. */
  get password(): Buffer {
    return this.client.getSessionPassword();
  }

  /** Negotiated session timeout (the requested one before the first connect). */
  get timeoutMs(): number {
    return this.client.getSessionTimeout();
  }

  /** `host:port` of the server the socket is connected to, if any. */
  get server(): string {
    const socket = this.cm.socket;
    return socket?.remoteAddress ? `${socket.remoteAddress}:${socket.remotePort}` : '';
  }

  /** Why the last connection attempt failed (ECONNREFUSED, ENOTFOUND, a reply that is not ZooKeeper's), if it did. */
  get lastConnectError(): Error | undefined {
    return this.lastError;
  }

  /** Drops the current connection; the wire client reconnects (to the next server) by itself. */
  dropConnection(): void {
    this.cm.socket?.destroy();
  }

  /**
   * Ends the session: sends close-session when connected and waits for the server to close the socket (at
   * most `timeoutMs`), then abandons the object.
   */
  async close(timeoutMs: number): Promise<void> {
    if (this.abandoned) return;
    if (CONNECTED_STATES.has(this.cm.state)) {
      await new Promise<void>((resolve) => {
        const onState = (state: number): void => {
          if (state !== CLOSED) return;
          clearTimeout(timer);
          this.cm.off('state', onState);
          resolve();
        };
        const timer = setTimeout(() => onState(CLOSED), timeoutMs);
        this.cm.on('state', onState);
        this.client.close();
      });
    }
    this.abandon();
  }

  /**
   * Gives the session up without telling the server (it expires there by itself): no reconnect, no event and
   * no callback from this object any more; queued requests fail with CONNECTION_LOSS.
   */
  abandon(): void {
    if (this.abandoned) return;
    this.abandoned = true;
    clearTimeout(this.livenessTimer);
    this.cm.connect = () => undefined;
    clearTimeout(this.cm.connectTimeoutHandler);
    const queued: WirePacket[] = this.cm.packetQueue.queue.splice(0);
    const pending: WirePacket[] = this.cm.pendingQueue.splice(0);
    this.cm.state = CLOSED; // later requests fail at once
    const socket = this.cm.socket;
    if (socket) {
      socket.removeAllListeners();
      socket.on('error', () => undefined);
      socket.destroy();
    }
    this.client.removeAllListeners();
    for (const packet of [...pending, ...queued]) packet.callback?.(wireError(CONNECTION_LOSS));
  }

  create(path: string, data: Buffer, acl: Acl[], mode: CreateMode): Promise<string> {
    return this.call('create', path, (done) => this.client.create(path, data, toWireAcl(acl), modeNumbers[mode], done));
  }

  getData(path: string, watch?: WireWatch): Promise<{ data: Buffer; stat: Stat }> {
    return this.call('getData', path, (done) =>
      this.client.getData(path, this.wrapWatch(watch), (error: unknown, data: Buffer | null, stat: unknown) =>
        done(error, error ? undefined : { data: data ?? Buffer.alloc(0), stat: toStat(stat) }),
      ),
    );
  }

  setData(path: string, data: Buffer, version: number): Promise<Stat> {
    return this.call('setData', path, (done) =>
      this.client.setData(path, data, version, (error: unknown, stat: unknown) => done(error, error ? undefined : toStat(stat))),
    );
  }

  exists(path: string, watch?: WireWatch): Promise<Stat | null> {
    return this.call('exists', path, (done) =>
      this.client.exists(path, this.wrapWatch(watch), (error: unknown, stat: unknown) =>
        done(error, error ? undefined : stat ? toStat(stat) : null),
      ),
    );
  }

  getChildren(path: string, watch?: WireWatch): Promise<{ children: string[]; stat: Stat }> {
    return this.call('getChildren', path, (done) =>
      this.client.getChildren(path, this.wrapWatch(watch), (error: unknown, children: string[], stat: unknown) =>
        done(error, error ? undefined : { children, stat: toStat(stat) }),
      ),
    );
  }

  delete(path: string, version: number): Promise<void> {
    return this.call('delete', path, (done) => this.client.remove(path, version, (error: unknown) => done(error)));
  }

  getACL(path: string): Promise<{ acl: Acl[]; stat: Stat }> {
    return this.call('getACL', path, (done) =>
      this.client.getACL(path, (error: unknown, acl: any[], stat: unknown) =>
        done(error, error ? undefined : { acl: fromWireAcl(acl), stat: toStat(stat) }),
      ),
    );
  }

  setACL(path: string, acl: Acl[], version: number): Promise<Stat> {
    return this.call('setACL', path, (done) =>
      this.client.setACL(path, toWireAcl(acl), version, (error: unknown, stat: unknown) =>
        done(error, error ? undefined : toStat(stat)),
      ),
    );
  }

  sync(path: string): Promise<void> {
    return this.call('sync', path, (done) => this.cm.queue(rawRequest(OP_SYNC, path), (error: unknown) => done(error)));
  }

  /** Adds credentials now and for every later connection of this session. */
  addAuth(auth: AuthInfo): void {
    this.client.addAuthInfo(auth.scheme, Buffer.from(auth.auth));
  }

  /**
   * Commits a multi-op. The wire client's builder turns a version of 0 into -1, so the ops are handed to it
   * ready-made; and its `commit` throws inside the socket handler on a per-op error code it does not know,
   * so only its request encoding is used and the reply is read here. Rejects with a ZkError whose
   * `failedOp` names the first failing op.
   */
  transaction(ops: Array<TransactionOp & { data?: Buffer; acl?: Acl[] }>): Promise<TransactionResult[]> {
    const transaction = this.client.transaction();
    for (const op of ops) {
      switch (op.type) {
        case 'create':
          transaction.ops.push({ type: 1, path: op.path, data: op.data, acls: toWireAcl(op.acl ?? []), mode: modeNumbers[op.mode ?? 'persistent'] });
          break;
        case 'setData':
          transaction.ops.push({ type: 5, path: op.path, data: op.data, version: op.version ?? -1 });
          break;
        case 'delete':
          transaction.ops.push({ type: 2, path: op.path, version: op.version ?? -1 });
          break;
        case 'check':
          transaction.ops.push({ type: 13, path: op.path, version: op.version ?? -1 });
          break;
      }
    }
    return this.call('transaction', undefined, (done) => {
      // Let the builder encode the request, then queue it ourselves with our own reply handling.
      let request: unknown;
      transaction.connectionManager = { queue: (built: unknown) => (request = built) };
      transaction.commit(() => undefined);
      this.cm.queue(request, (error: unknown, response: any) => {
        if (error) {
          done(error);
          return;
        }
        const results: any[] = response?.payload?.results ?? [];
        const failedOp = results.findIndex((result) => result?.type === OP_ERROR && result.err !== 0);
        if (failedOp < 0) {
          // The server answers every op of a multi, in order: `ops` and `results` are as long as each other.
          done(null, ops.map((op, index) => this.toTransactionResult(results[index], op)));
          return;
        }
        const code = codeName(results[failedOp].err);
        const path = ops[failedOp]?.path;
        done(
          new ZkError(`transaction op ${failedOp} (${ops[failedOp]?.type} ${path}): ${code}`, {
            code,
            operation: 'transaction',
            path,
            failedOp,
          }),
        );
      });
    });
  }

  private toTransactionResult(result: any, op: TransactionOp): TransactionResult {
    switch (op.type) {
      case 'create':
        return { type: 'create', path: result.path };
      case 'setData':
        return { type: 'setData', stat: toStat(result.stat) };
      case 'delete':
        return { type: 'delete' };
      case 'check':
        return { type: 'check' };
    }
  }

  /** Runs one wire call and settles with its callback, unless the session was abandoned meanwhile. */
  private call<T>(
    operation: ZkOperation,
    path: string | undefined,
    start: (done: (error: unknown, value?: T) => void) => void,
  ): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      if (this.abandoned) {
        reject(ZkError.of('CONNECTION_LOSS', operation, path));
        return;
      }
      try {
        start((error, value) => (error ? reject(toZkError(error, operation, path)) : resolve(value as T)));
      } catch (error) {
        reject(ZkError.of('BAD_ARGUMENTS', operation, path, error));
      }
    });
  }

  private wrapWatch(watch: WireWatch | undefined): ((event: any) => void) | undefined {
    if (!watch) return undefined;
    let wrapped = this.watchWrappers.get(watch);
    if (!wrapped) {
      // One wrapper per callback, so that the wire client's dedup by function identity still applies.
      wrapped = (event: any): void => {
        if (this.abandoned) return;
        const type = eventTypes[event?.type as number];
        if (type) watch({ type, path: event.path });
      };
      this.watchWrappers.set(watch, wrapped);
    }
    return wrapped;
  }

  private handleWireState(name: string): void {
    if (this.abandoned) return;
    const mapped: Record<string, WireState> = {
      SYNC_CONNECTED: 'connected',
      CONNECTED_READ_ONLY: 'read-only',
      DISCONNECTED: 'disconnected',
      EXPIRED: 'expired',
      AUTH_FAILED: 'auth-failed',
    };
    const state = mapped[name];
    if (state) this.onState(state);
  }

  private patchConnectionManager(): void {
    const cm = this.cm;
    const originalData = cm.onSocketData;
    const originalConnect = cm.connect;
    const originalFindNextServer = cm.findNextServer;
    const originalQueue = cm.queue;
    // Every callback is called at most once; `settled` tells a failed frame whether its request was answered.
    cm.queue = (request: unknown, callback?: WireCallback): void => {
      const once: WireCallback = (error, response) => {
        if (once.settled) return;
        once.settled = true;
        callback?.(error, response);
      };
      originalQueue.call(cm, request, once);
    };
    // Requests queued in one tick leave in one write: a pipelined create + getChildren (a lock's fast path)
    // costs one syscall instead of two. The wire client's queue listener was bound at construction, so it is
    // replaced here; its other callers look the method up on the instance.
    const originalReadable = cm.onPacketQueueReadable;
    cm.onPacketQueueReadable = (): void => {
      const socket = cm.socket;
      if (socket && !socket.writableCorked && !socket.destroyed) {
        socket.cork();
        process.nextTick(() => socket.uncork());
      }
      originalReadable.call(cm);
    };
    cm.packetQueue.removeAllListeners('readable');
    cm.packetQueue.on('readable', () => cm.onPacketQueueReadable());
    cm.connect = (): void => {
      if (this.abandoned) return;
      this.frames.reset();
      this.lastHeardAt = performance.now();
      originalConnect.call(cm);
    };
    cm.findNextServer = (callback: (server: unknown) => void): void => {
      originalFindNextServer.call(cm, (server: unknown) => {
        if (!this.abandoned) callback(server);
      });
    };
    // Kept for the connect error's message and cause. The listener is bound when a socket is made, so
    // the instance method is replaced before the first connect.
    const originalSocketError = cm.onSocketError;
    cm.onSocketError = (error: Error): void => {
      this.lastError = error;
      originalSocketError.call(cm, error);
    };
    cm.onSocketData = (chunk: Buffer): void => {
      if (this.abandoned) return;
      let frames: Buffer[];
      try {
        frames = this.frames.push(chunk);
      } catch (error) {
        this.lastError = new Error(`${this.server || 'the server'} does not speak the ZooKeeper protocol (${(error as Error).message})`, { cause: error });
        this.dropConnection();
        return;
      }
      // Only whole frames count as hearing from the server: a frame that never completes (a corrupt length
      // smaller than the limit) must not keep a dead stream alive on the strength of trailing ping replies.
      if (frames.length > 0) this.lastHeardAt = performance.now();
      for (const frame of frames) {
        if (this.abandoned) return;
        this.handleFrame(frame, originalData);
      }
    };
  }

  private handleFrame(frame: Buffer, originalData: (buffer: Buffer) => void): void {
    const cm = this.cm;
    const head: WirePacket | undefined = cm.pendingQueue[0];
    if (cm.state !== CONNECTING && frame.length >= 20) {
      const xid = frame.readInt32BE(4);
      const err = frame.readInt32BE(16);
      if (xid >= 0 && head?.request.header?.xid !== xid) {
        // A reply to nothing we are waiting for: the wire client would take the oldest request off the queue
        // and lose its callback. Reconnect; the requests still queued fail with CONNECTION_LOSS.
        this.dropConnection();
        return;
      }
      if (xid >= 0 && head?.request.header?.xid === xid) {
        if (head.request.header.type === OP_SYNC || (err !== 0 && !wireKnownCodes.has(err))) {
          cm.pendingQueue.shift();
          cm.zxid = Buffer.from(frame.subarray(8, 16));
          head.callback?.(err === 0 ? null : wireError(err));
          return;
        }
      }
    }
    try {
      originalData.call(cm, frame);
    } catch (error) {
      // A frame the wire client could not handle: an unknown notification type is dropped; anything else
      // means the stream can no longer be trusted, so reconnect (pending requests fail with CONNECTION_LOSS).
      // A request whose reply it was reading fails with UNKNOWN rather than waiting for its deadline.
      if (frame.length >= 8 && frame.readInt32BE(4) === XID_NOTIFICATION) return;
      if (head && cm.pendingQueue[0] !== head && !head.callback?.settled) {
        head.callback?.(wireError(UNREADABLE_REPLY, error));
      }
      this.dropConnection();
    }
  }

  private scheduleLivenessCheck(): void {
    const interval = Math.max(20, Math.floor(this.timeoutMs / 10));
    this.livenessTimer = setTimeout(() => {
      if (this.abandoned) return;
      this.checkLiveness();
      this.scheduleLivenessCheck();
    }, interval);
    this.livenessTimer.unref();
  }

  /**
   * The read timeout the wire client lacks: ⅔ of the session timeout while connected; while handshaking, the
   * connect timeout (session timeout / number of servers), but at most ⅓ of the session timeout, so that a
   * server that accepted the connection and then never answered (seen with a ZooKeeper that was still
   * starting) leaves time for further attempts before the session is given up.
   */
  private checkLiveness(): void {
    const cm = this.cm;
    const silentFor = performance.now() - this.lastHeardAt;
    const connected = CONNECTED_STATES.has(cm.state);
    const limit = connected ? (this.timeoutMs * 2) / 3 : Math.min(cm.connectTimeout, this.timeoutMs / 3);
    if ((connected || cm.state === CONNECTING) && cm.socket && silentFor > limit) {
      this.lastHeardAt = performance.now();
      this.dropConnection();
    }
  }
}
