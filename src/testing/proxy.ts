/**
 * A loopback TCP proxy in front of a real ZooKeeper server that injects network faults on demand: cut every
 * connection, stall them (open but silent), refuse new ones, or let requests through while dropping the
 * replies from the N-th request on. It understands ZooKeeper's framing, so faults land on packet boundaries.
 */
import { EventEmitter } from 'node:events';
import * as net from 'node:net';
import { asyncDispose } from './dispose';
import { FrameSplitter, frameType, frameXid } from './frames';
import { LOOPBACK, parseHostPort } from './ports';

/** A request frame the proxy forwarded to the server. */
export interface ProxiedRequest {
  /** The request's xid. */
  xid: number;
  /** ZooKeeper's op code (1 create, 2 delete, 3 exists, 4 getData, ...). */
  type: number;
  /** Value of `requestCount` after this request. */
  count: number;
  /** Which proxied connection carried it (numbered from 1 in order of arrival). */
  connection: number;
}

/**
 * Events of a {@link TestingProxy} (a Node `EventEmitter`, so `events.once(proxy, 'dropping-replies')`
 * works).
 */
export interface TestingProxyEvents {
  /** A counted request was forwarded to the server. */
  request: [request: ProxiedRequest];
  /** The request armed by `dropRepliesAfter(n)` was forwarded; replies on its connection stop from now on. */
  'dropping-replies': [request: ProxiedRequest];
}

/** Request xids below 0 are the client's housekeeping: -2 ping, -4 auth, -8 set-watches. */
const isHousekeeping = (xid: number): boolean => xid < 0;

/**
 * A loopback TCP proxy in front of a ZooKeeper server, for deterministic tests of connection loss:
 *
 * - `cut()` drops every current connection (clients see the connection close and reconnect);
 * - `stall()` / `resume()` stop and restart forwarding in both directions without closing anything: the
 *   connection is dead but open, as in a network partition, and only timeouts notice it;
 * - `dropRepliesAfter(n)` forwards `n` more requests and then stops the replies on the connection that
 *   carried the n-th: the server did the work, the client never hears of it (protected creates, guaranteed
 *   deletes, lost-lock signals);
 * - `rejectConnections(true)` resets new connections, like a server that is down.
 *
 * Only ZooKeeper requests are counted: not the ConnectRequest that opens a connection, nor the client's
 * housekeeping (pings, auth, set-watches: negative xids).
 *
 * @example
 * ```ts
 * const server = await TestingServer.start();
 * const proxy = await TestingProxy.start(server.connectString);
 * const client = new ZkClient({ connectString: proxy.connectString, sessionTimeoutMs: 3000 });
 * await client.start();
 * proxy.dropRepliesAfter(1);                   // the next request reaches the server; its reply never comes
 * const creating = client.create('/job-', 'x', { mode: 'ephemeral-sequential', protected: true });
 * // ... the client times out, reconnects and finds its node instead of creating a second one
 * await creating;
 * await proxy.close();
 * ```
 */
export class TestingProxy extends EventEmitter<TestingProxyEvents> implements AsyncDisposable {
  private readonly connections = new Set<ProxiedConnection>();
  private connectionsAccepted = 0;
  private forwarded = 0;
  private dropped = 0;
  private dropAfter: number | undefined;
  private stalled = false;
  private rejecting = false;
  private closing: Promise<void> | undefined;
  private listeningPort = 0;

  private constructor(
    private readonly server: net.Server,
    /** The `host:port` the proxy forwards to. */
    readonly target: string,
  ) {
    super();
  }

  /** Starts a proxy on a free loopback port, forwarding to `target` (`host:port`). */
  static async start(target: string): Promise<TestingProxy> {
    const { host, port } = parseHostPort(target);
    const server = net.createServer();
    const proxy = new TestingProxy(server, target);
    server.on('connection', (socket) => proxy.accept(socket, host, port));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host: LOOPBACK, port: 0 }, () => {
        server.off('error', reject);
        proxy.listeningPort = (server.address() as net.AddressInfo).port;
        resolve();
      });
    });
    return proxy;
  }

  /** The port the proxy listens on (kept after {@link close}). */
  get port(): number {
    return this.listeningPort;
  }

  /** `127.0.0.1:<port>`, for a client's `connectString`. */
  get connectString(): string {
    return `${LOOPBACK}:${this.port}`;
  }

  /** Counted requests forwarded to the server so far (all connections). */
  get requestCount(): number {
    return this.forwarded;
  }

  /** Replies (server-to-client packets) swallowed because of `dropRepliesAfter`, so far. */
  get droppedReplyCount(): number {
    return this.dropped;
  }

  /** Number of connections open through the proxy now. */
  get connectionCount(): number {
    return this.connections.size;
  }

  /** Drops every current connection at once. The proxy keeps accepting new ones. */
  cut(): void {
    for (const connection of this.connections) connection.destroy();
  }

  /** Stops forwarding in both directions, on current and new connections, without closing anything. */
  stall(): void {
    this.stalled = true;
    for (const connection of this.connections) connection.pause();
  }

  /** Forwards again after {@link stall}: what was held back is delivered, in order. */
  resume(): void {
    this.stalled = false;
    for (const connection of this.connections) connection.resume();
  }

  /**
   * After `n` more counted requests have been forwarded, stops forwarding replies on the connection that
   * carried the n-th: replies to earlier requests still arrive, the n-th's and everything after it (pings
   * included) do not, while requests keep reaching the server. New connections are not affected.
   */
  dropRepliesAfter(n: number): void {
    if (!Number.isInteger(n) || n < 1) throw new RangeError(`n must be a positive integer, got ${String(n)}`);
    this.dropAfter = n;
  }

  /** While true, new connections are reset at once (like a server that is down); current ones stay. */
  rejectConnections(reject: boolean): void {
    this.rejecting = reject;
  }

  /** Stops listening and drops every connection. Idempotent; concurrent callers share one promise. */
  close(): Promise<void> {
    this.closing ??= new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.cut();
    });
    return this.closing;
  }

  /** Same as {@link close}, for `await using`. */
  [asyncDispose](): Promise<void> {
    return this.close();
  }

  private accept(client: net.Socket, host: string, port: number): void {
    if (this.rejecting || this.closing) {
      client.on('error', () => undefined);
      client.resetAndDestroy();
      return;
    }
    const connection = new ProxiedConnection(++this.connectionsAccepted, client, net.connect({ host, port }), {
      onRequest: (xid, type) => this.onRequest(connection, xid, type),
      onReplyDropped: () => this.dropped++,
      onClosed: () => this.connections.delete(connection),
    });
    this.connections.add(connection);
    if (this.stalled) connection.pause();
  }

  /** Counts a forwarded request, and arms the reply drop on its connection when it is the awaited one. */
  private onRequest(connection: ProxiedConnection, xid: number, type: number): void {
    const request: ProxiedRequest = { xid, type, count: ++this.forwarded, connection: connection.id };
    if (this.dropAfter !== undefined && --this.dropAfter === 0) {
      this.dropAfter = undefined;
      connection.dropRepliesFrom(xid);
      this.emit('dropping-replies', request);
    }
    this.emit('request', request);
  }
}

/** One client connection and its connection to the server, with the frame-level plumbing. */
class ProxiedConnection {
  private readonly fromClient = new FrameSplitter();
  private readonly fromServer = new FrameSplitter();
  private readonly toServer: Buffer[] = [];
  private readonly toClient: Buffer[] = [];
  private sawConnectRequest = false;
  private sawConnectResponse = false;
  private dropFromXid: number | undefined;
  private droppingReplies = false;
  private paused = false;
  private peerClosed = false;
  private destroyed = false;

  constructor(
    readonly id: number,
    private readonly client: net.Socket,
    private readonly server: net.Socket,
    private readonly hooks: {
      onRequest: (xid: number, type: number) => void;
      onReplyDropped: () => void;
      onClosed: () => void;
    },
  ) {
    client.setNoDelay(true);
    server.setNoDelay(true);
    client.on('data', (chunk: Buffer) => this.receive(chunk, this.fromClient, this.toServer));
    server.on('data', (chunk: Buffer) => this.receive(chunk, this.fromServer, this.toClient));
    for (const socket of [client, server]) {
      socket.on('error', () => undefined); // 'close' follows and does the work
      socket.on('close', () => this.onSocketClosed());
    }
  }

  /** Replies from the one to request `xid` on are dropped. */
  dropRepliesFrom(xid: number): void {
    this.dropFromXid = xid;
  }

  pause(): void {
    this.paused = true;
    this.client.pause();
    this.server.pause();
  }

  resume(): void {
    this.paused = false;
    if (this.peerClosed) {
      this.destroy();
      return;
    }
    this.flush();
    this.client.resume();
    this.server.resume();
  }

  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.client.destroy();
    this.server.destroy();
    this.hooks.onClosed();
  }

  private receive(chunk: Buffer, decoder: FrameSplitter, queue: Buffer[]): void {
    let frames: Buffer[];
    try {
      frames = decoder.push(chunk);
    } catch {
      this.destroy(); // not ZooKeeper's framing: nothing sensible to forward
      return;
    }
    queue.push(...frames);
    if (!this.paused) this.flush();
  }

  private flush(): void {
    for (let packet = this.toServer.shift(); packet; packet = this.toServer.shift()) this.forwardRequest(packet);
    for (let packet = this.toClient.shift(); packet; packet = this.toClient.shift()) this.forwardReply(packet);
  }

  private forwardRequest(packet: Buffer): void {
    this.server.write(packet);
    if (!this.sawConnectRequest) {
      this.sawConnectRequest = true;
      return;
    }
    const xid = frameXid(packet);
    const type = frameType(packet);
    if (xid === undefined || type === undefined || isHousekeeping(xid)) return;
    this.hooks.onRequest(xid, type);
  }

  private forwardReply(packet: Buffer): void {
    if (!this.sawConnectResponse) {
      this.sawConnectResponse = true;
      this.client.write(packet);
      return;
    }
    if (!this.droppingReplies && this.dropFromXid !== undefined) {
      const xid = frameXid(packet);
      if (xid !== undefined && xid >= this.dropFromXid) this.droppingReplies = true;
    }
    if (this.droppingReplies) this.hooks.onReplyDropped();
    else this.client.write(packet);
  }

  private onSocketClosed(): void {
    // While stalled, a close does not travel either: the other side learns of it on resume().
    if (this.paused) this.peerClosed = true;
    else this.destroy();
  }
}
