/**
 * {@link PersistentWatch}: a persistent (optionally recursive) watch that outlives reconnects and sessions.
 * The transport re-registers it on every reconnect of a session; after a new session it is added again
 * here. Either way changes made during the gap are not replayed by the server, so a `resync` event marks
 * the gap: whoever follows the data re-reads it.
 */
import { EventEmitter } from 'eventemitter3';
import { Deadline } from './deadline';
import { isZkError, mayRecover } from './errors';
import { Fanout } from './async-queue';
import type { WatchCallback } from './transport';
import type {
  ConnectionState,
  PersistentWatcher,
  PersistentWatcherEvents,
  PersistentWatchEvent,
  PersistentWatchMode,
  StateInfo,
  ZooKeeperClient,
} from './types';

/** What a {@link PersistentWatch} needs from the client: add and remove its listener on the current session. */
export interface PersistentWatchOps {
  /** Adds the persistent watch with `listener` (retried under the client's policy within `deadline`). */
  add(listener: WatchCallback, deadline: Deadline): Promise<void>;
  /** Removes `listener` (on the server when connected, else locally); never rejects. */
  remove(listener: WatchCallback): Promise<void>;
  /** Deadline of one attempt to add the watch. */
  timeoutMs: number;
}

/** Pause before adding the watch again after a failure while the connection stays up. */
const RETRY_MS = 500;

/** A persistent watch of the client; see the module comment. */
export class PersistentWatch extends EventEmitter<PersistentWatcherEvents> implements PersistentWatcher {
  private readonly events = new Fanout<PersistentWatchEvent>();
  private closed = false;
  private retryTimer: NodeJS.Timeout | undefined;
  private readonly registered: Promise<void>;
  private resolveRegistered!: () => void;
  private rejectRegistered!: (error: unknown) => void;
  /** Called once when the watch closes (the client forgets it then). */
  onClosed: (() => void) | undefined;

  constructor(
    private readonly client: ZooKeeperClient,
    /** The watched path. */
    readonly path: string,
    /** Persistent, or persistent and recursive. */
    readonly mode: PersistentWatchMode,
    private readonly ops: PersistentWatchOps,
  ) {
    super();
    this.registered = new Promise((resolve, reject) => {
      this.resolveRegistered = resolve;
      this.rejectRegistered = reject;
    });
    this.registered.catch(() => undefined);
  }

  /** Adds the watch (called by the client). */
  start(): void {
    this.client.on('state', this.onState);
    void this.register(undefined);
  }

  /** Resolves once the server has the watch; rejects when it cannot (e.g. `UNIMPLEMENTED`) or on close. */
  ready(): Promise<void> {
    return this.registered;
  }

  /** Removes the watch and ends every async iterator. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.retryTimer);
    this.client.off('state', this.onState);
    this.rejectRegistered(new Error(`persistent watch on ${this.path} closed`));
    this.events.end();
    this.removeAllListeners();
    this.onClosed?.();
    if (this.client.state !== 'closed') await this.ops.remove(this.listener);
  }

  /** Same as {@link PersistentWatch.close}. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  /** Yields every event from now on, until closed (throws when the watch cannot be added). */
  [Symbol.asyncIterator](): AsyncIterableIterator<PersistentWatchEvent, undefined> {
    return this.events.iterate();
  }

  private readonly listener: WatchCallback = (event) => this.publish({ type: event.type, path: event.path });

  private readonly onState = (state: ConnectionState, info: StateInfo): void => {
    if (state !== 'reconnected') return;
    // Same session: the transport re-registered the watch before it reported the connection.
    if (info.sessionChanged) void this.register(true);
    else this.publish({ type: 'resync', path: this.path, sessionChanged: false });
  };

  /** Adds the watch; after a new session (`resync` true) the re-sync event follows once it is back. */
  private async register(sessionChanged: boolean | undefined): Promise<void> {
    clearTimeout(this.retryTimer);
    if (this.closed) return;
    try {
      await this.ops.add(this.listener, new Deadline(this.ops.timeoutMs));
    } catch (error) {
      if (this.closed || isZkError(error, 'CLIENT_CLOSED')) return;
      if (mayRecover(error)) {
        // Connection trouble: the next 'reconnected' adds it again; while connected, try again after a pause.
        if (this.client.state === 'connected' || this.client.state === 'reconnected') {
          this.retryTimer = setTimeout(() => void this.register(sessionChanged), RETRY_MS);
          this.retryTimer.unref();
        }
        return;
      }
      this.rejectRegistered(error);
      this.events.end(error);
      this.emit('error', error as Error);
      return;
    }
    if (this.closed) return;
    this.resolveRegistered();
    if (sessionChanged !== undefined) this.publish({ type: 'resync', path: this.path, sessionChanged });
  }

  private publish(event: PersistentWatchEvent): void {
    if (this.closed) return;
    this.events.push(event);
    this.emit('event', event);
  }
}
