/**
 * The connection state machine. Every state change passes through {@link Connection.setState}: it updates
 * the state, logs, publishes on diagnostics_channel and emits. It owns the wire session and replaces it
 * when the session is lost (expired on the server, or suspended for longer than the session timeout).
 */
import { Deadline, waitUntil } from './deadline';
import { ZkError, type ZkOperation } from './errors';
import { channels } from './logger';
import type { ResolvedOptions } from './options';
import { sessionIdHex } from './stat';
import { HostList } from './protocol/host-list';
import { ZkSession } from './protocol/session';
import type { Transport, TransportOptions, TransportState } from './transport';
import { describeTlsFailure } from './tls';
import type { ConnectionState, StateInfo } from './types';
import { WireSession } from './wire';

const LIVE_STATES: ReadonlySet<ConnectionState> = new Set(['connected', 'reconnected', 'read-only']);

/** Owns the current {@link Transport} and derives the client's {@link ConnectionState} from it. */
export class Connection {
  private currentState: ConnectionState = 'latent';
  private wire: Transport | undefined;
  private knownSessionId: string | undefined;
  private lostTimer: NodeJS.Timeout | undefined;
  private authRejected = false;
  /** Servers that refused TLS before the first session, and the error that closed the client because of it. */
  private readonly tlsRefusals = new Set<string>();
  private tlsFailure: ZkError | undefined;
  private readonly listeners = new Set<(state: ConnectionState) => void>();

  constructor(
    private readonly options: ResolvedOptions,
    private readonly emit: (state: ConnectionState, info: StateInfo) => void,
  ) {}

  /** The current state. */
  get state(): ConnectionState {
    return this.currentState;
  }

  /** True in `connected`, `reconnected` and `read-only`. */
  get isLive(): boolean {
    return LIVE_STATES.has(this.currentState);
  }

  /** True once a server refused the credentials (the client then closes itself). */
  get authFailed(): boolean {
    return this.authRejected;
  }

  /** Id of the current (or last) session. */
  get sessionId(): string | undefined {
    return this.knownSessionId;
  }

  /** Why the last connection attempt failed (a socket error, a server that does not speak ZooKeeper), if it did. */
  get lastConnectError(): Error | undefined {
    return this.wire?.lastConnectError;
  }

  /** The wire session, while there is one. */
  get session(): Transport | undefined {
    return this.wire;
  }

  /** Opens the first session. */
  open(): void {
    if (this.options.tls && !this.options.tls.verifiesServer) {
      this.options.logger.warn(
        { connectString: this.options.connectString },
        'zookeeper TLS certificate verification is off (tls.rejectUnauthorized: false): any server, and anyone in between, is trusted',
      );
    }
    this.replaceWire();
  }

  /** Resolves with the wire session once connected; rejects at the deadline, on abort or when closed. */
  ready(deadline: Deadline, operation: ZkOperation, path?: string): Promise<Transport> {
    if (this.isLive && this.wire) return Promise.resolve(this.wire);
    return waitUntil<Transport>(
      deadline,
      (done, fail) => {
        const check = (state: ConnectionState): void => {
          if (state === 'closed') fail(this.tlsFailure ?? ZkError.of('CLIENT_CLOSED', operation, path));
          else if (LIVE_STATES.has(state) && this.wire) done(this.wire);
        };
        check(this.currentState);
        this.listeners.add(check);
        return () => this.listeners.delete(check);
      },
      () => ZkError.of('CONNECTION_LOSS', operation, path),
    );
  }

  /** Ends the session (close-session sent when connected) and moves to `closed`. */
  async close(): Promise<void> {
    clearTimeout(this.lostTimer);
    const wire = this.wire;
    this.wire = undefined;
    if (wire) await wire.close(Math.min(2000, this.options.sessionTimeoutMs));
    this.setState('closed', { sessionId: this.knownSessionId });
  }

  /** The one place a state changes: update, log, publish, emit. */
  private setState(state: ConnectionState, info: StateInfo): void {
    if (this.currentState === 'closed') return;
    this.currentState = state;
    this.options.logger.info({ state, ...info }, `zookeeper connection ${state}`);
    if (channels.state.hasSubscribers) channels.state.publish({ state, sessionId: info.sessionId });
    for (const listener of [...this.listeners]) listener(state);
    this.emit(state, info);
  }

  private replaceWire(): void {
    const { tls } = this.options;
    const options: TransportOptions = {
      connectString: this.options.connectString,
      sessionTimeoutMs: this.options.sessionTimeoutMs,
      reconnectDelayMs: this.options.reconnectDelayMs,
      auth: this.options.auth,
      canBeReadOnly: this.options.canBeReadOnly,
      logger: this.options.logger,
      onState: (state) => {
        if (this.wire === wire) this.onWireState(wire, state);
      },
      createSocket: tls && ((host, port) => tls.connect(host, port, (error) => this.onTlsFailure(`${host}:${port}`, error))),
    };
    const wire: Transport = this.options.transport === 'node-zookeeper-client' ? new WireSession(options) : new ZkSession(options);
    this.wire = wire;
    wire.connect();
  }

  private onWireState(wire: Transport, state: TransportState): void {
    switch (state) {
      case 'connected':
      case 'read-only': {
        clearTimeout(this.lostTimer);
        const sessionId = sessionIdHex(wire.sessionId);
        const previous = this.knownSessionId;
        this.knownSessionId = sessionId;
        const sessionChanged = sessionId !== previous;
        // A read-only connection is `read-only` whatever came before (Curator's READ_ONLY); a read/write one
        // after anything but a live read/write connection is `reconnected`.
        if (previous === undefined) this.setState(state, { sessionId });
        else if (state === 'read-only') this.setState('read-only', { sessionId, sessionChanged });
        else if (this.currentState === 'suspended' || this.currentState === 'lost' || this.currentState === 'read-only') {
          this.setState('reconnected', { sessionId, sessionChanged });
        }
        break;
      }
      case 'disconnected':
        if (this.isLive) {
          this.setState('suspended', { sessionId: this.knownSessionId });
          // The server cannot tell us during a partition that the session expired: after the negotiated
          // timeout without a connection, it surely has (Curator's "session expiration" policy).
          clearTimeout(this.lostTimer);
          this.lostTimer = setTimeout(() => this.loseSession('suspended-too-long'), wire.timeoutMs);
          this.lostTimer.unref();
        }
        break;
      case 'expired':
        this.loseSession('expired');
        break;
      case 'auth-failed':
        this.authRejected = true;
        this.options.logger.error({ sessionId: this.knownSessionId }, 'zookeeper authentication failed; closing the client');
        void this.close();
        break;
    }
  }

  /**
   * A TLS connection to `server` failed (see {@link TlsSettings.connect}). Once the client has had a session
   * the transport keeps trying (a server may come back with a fixed certificate). Before that, when every
   * server of the connect string refused, no retry can succeed: `start()` rejects at once with TLS_FAILED
   * instead of retrying until its timeout.
   */
  private onTlsFailure(server: string, error: Error): void {
    const reason = describeTlsFailure(error);
    this.options.logger.warn({ server, reason }, 'zookeeper TLS connection failed');
    if (this.knownSessionId !== undefined || this.tlsFailure || this.currentState === 'closed') return;
    this.tlsRefusals.add(server);
    const hosts = new HostList(this.options.connectString);
    const servers = Array.from({ length: hosts.size }, () => hosts.next()).map(({ host, port }) => `${host}:${port}`);
    if (servers.some((each) => !this.tlsRefusals.has(each))) return;
    this.tlsFailure = new ZkError(`connect: TLS_FAILED (${servers.length === 1 ? servers[0] : `all of ${servers.length} servers`}): ${reason}`, {
      code: 'TLS_FAILED',
      operation: 'connect',
      cause: error,
    });
    void this.close();
  }

  private loseSession(reason: 'expired' | 'suspended-too-long'): void {
    clearTimeout(this.lostTimer);
    if (this.currentState === 'closed' || this.currentState === 'lost') return;
    this.wire?.abandon();
    this.setState('lost', { sessionId: this.knownSessionId, reason });
    if ((this.currentState as ConnectionState) === 'lost') this.replaceWire();
  }
}
