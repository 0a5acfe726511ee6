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
import type { ConnectionState, StateInfo } from './types';
import { WireSession, type WireState } from './wire';

const LIVE_STATES: ReadonlySet<ConnectionState> = new Set(['connected', 'reconnected', 'read-only']);

/** Owns the current {@link WireSession} and derives the client's {@link ConnectionState} from it. */
export class Connection {
  private currentState: ConnectionState = 'latent';
  private wire: WireSession | undefined;
  private knownSessionId: string | undefined;
  private lostTimer: NodeJS.Timeout | undefined;
  private authRejected = false;
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
  get session(): WireSession | undefined {
    return this.wire;
  }

  /** Opens the first session. */
  open(): void {
    this.replaceWire();
  }

  /** Resolves with the wire session once connected; rejects at the deadline, on abort or when closed. */
  ready(deadline: Deadline, operation: ZkOperation, path?: string): Promise<WireSession> {
    if (this.isLive && this.wire) return Promise.resolve(this.wire);
    return waitUntil<WireSession>(
      deadline,
      (done, fail) => {
        const check = (state: ConnectionState): void => {
          if (state === 'closed') fail(ZkError.of('CLIENT_CLOSED', operation, path));
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
    const wire: WireSession = new WireSession({
      connectString: this.options.connectString,
      sessionTimeoutMs: this.options.sessionTimeoutMs,
      reconnectDelayMs: this.options.reconnectDelayMs,
      auth: this.options.auth,
      onState: (state) => {
        if (this.wire === wire) this.onWireState(wire, state);
      },
    });
    this.wire = wire;
    wire.connect();
  }

  private onWireState(wire: WireSession, state: WireState): void {
    switch (state) {
      case 'connected':
      case 'read-only': {
        clearTimeout(this.lostTimer);
        const sessionId = sessionIdHex(wire.sessionId);
        const previous = this.knownSessionId;
        this.knownSessionId = sessionId;
        if (previous === undefined) this.setState(state, { sessionId });
        else if (this.currentState === 'suspended' || this.currentState === 'lost') {
          this.setState('reconnected', { sessionId, sessionChanged: sessionId !== previous });
        } else if (state === 'read-only' || this.currentState === 'read-only') {
          this.setState(state === 'read-only' ? 'read-only' : 'reconnected', { sessionId, sessionChanged: sessionId !== previous });
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

  private loseSession(reason: 'expired' | 'suspended-too-long'): void {
    clearTimeout(this.lostTimer);
    if (this.currentState === 'closed' || this.currentState === 'lost') return;
    this.wire?.abandon();
    this.setState('lost', { sessionId: this.knownSessionId, reason });
    if ((this.currentState as ConnectionState) === 'lost') this.replaceWire();
  }
}
