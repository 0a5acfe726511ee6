/**
 * Auto-re-arming watchers. Where the server and transport have persistent watches (ZooKeeper 3.6+, our
 * transport), a watcher registers one on its path and reads again (without a watch) after each of its
 * events: one registration, no gap between a trigger and a re-arm. Elsewhere ZooKeeper's watches fire once,
 * and the watcher reads again leaving a new one after every trigger. Either way it re-reads after every
 * reconnect and new session, because no watch event tells of changes made during a gap; results after such
 * a gap are marked `resync`.
 */
import { EventEmitter } from 'eventemitter3';
import { isZkError } from './errors';
import { Subscribers } from './subscribers';
import type {
  ConnectionState,
  PersistentWatcher,
  Stat,
  WatchEvent,
  Watcher,
  WatcherChange,
  WatcherEvents,
  ZooKeeperClient,
} from './types';

const LIVE: ReadonlySet<ConnectionState> = new Set(['connected', 'reconnected', 'read-only']);
/** Pauses before reading again after a failed read while the connection stays up. */
const RETRY_MIN_MS = 100;
const RETRY_MAX_MS = 5000;

type Snapshot<T> = { value: T | undefined; stat: Stat | undefined };
/** Reads the watched state; leaves the one-shot `watch` where given (not under a persistent watch). */
type Reader<T> = (client: ZooKeeperClient, path: string, watch: ((event: WatchEvent) => void) | undefined) => Promise<Snapshot<T>>;

/** A watcher over one path with a pluggable read (data, children or existence). */
export class RearmingWatcher<T> extends EventEmitter<WatcherEvents<T>> implements Watcher<T> {
  private last: WatcherChange<T> | undefined;
  private reading = false;
  private again = false;
  private resyncNext = false;
  private closed = false;
  private retryTimer: NodeJS.Timeout | undefined;
  private retryDelayMs = RETRY_MIN_MS;
  /** The persistent watch this watcher is trying to use (or uses, once `persistentActive`). */
  private persistent: PersistentWatcher | undefined;
  private persistentActive = false;
  private readonly subscribers = new Subscribers<WatcherChange<T>>();
  private readonly firstRead: Promise<WatcherChange<T>>;
  private resolveFirst!: (change: WatcherChange<T>) => void;
  private rejectFirst!: (error: unknown) => void;
  /** Called once when the watcher closes (the client forgets it then). */
  onClosed: (() => void) | undefined;

  constructor(
    private readonly client: ZooKeeperClient,
    /** The watched path. */
    readonly path: string,
    private readonly read: Reader<T>,
  ) {
    super();
    this.firstRead = new Promise((resolve, reject) => {
      this.resolveFirst = resolve;
      this.rejectFirst = reject;
    });
    this.firstRead.catch(() => undefined);
  }

  /** The last value seen. */
  get current(): WatcherChange<T> | undefined {
    return this.last;
  }

  /** Begins watching (called by the client). */
  start(): void {
    void this.begin();
  }

  /**
   * Registers a persistent watch and reads once it is in place (so that no change falls between the read
   * and the registration); falls back to one-shot watches where it cannot be had (`UNIMPLEMENTED`, or any
   * other refusal).
   */
  private async begin(): Promise<void> {
    const persistent = this.client.addWatch(this.path);
    this.persistent = persistent;
    try {
      await persistent.ready();
    } catch {
      if (this.closed) return;
      this.persistent = undefined;
      await persistent.close();
      this.client.on('state', this.onState);
      void this.refresh(false);
      return;
    }
    if (this.closed) return;
    this.persistentActive = true;
    // The persistent watch marks every gap (reconnect, new session) with a `resync` event.
    persistent.on('event', (event) => void this.refresh(event.type === 'resync'));
    void this.refresh(false);
  }

  /** Resolves with the first read. */
  ready(): Promise<WatcherChange<T>> {
    return this.firstRead;
  }

  /** Stops watching and ends every async iterator. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.retryTimer);
    this.client.off('state', this.onState);
    this.rejectFirst(new Error(`watcher on ${this.path} closed`));
    this.subscribers.end();
    this.removeAllListeners();
    this.onClosed?.();
    await this.persistent?.close();
  }

  /** Same as {@link RearmingWatcher.close}. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  /** Yields the current value (once known) and then every change, until closed. */
  [Symbol.asyncIterator](): AsyncGenerator<WatcherChange<T>> {
    return this.subscribers.iterate(this.last ? [this.last] : []);
  }

  private readonly onTrigger = (): void => {
    void this.refresh(false);
  };

  private readonly onState = (state: ConnectionState): void => {
    if (state === 'reconnected' || state === 'connected' || state === 'read-only') void this.refresh(true);
  };

  /** Reads again; triggers that arrive during a read are folded into one more read after it. */
  private async refresh(resync: boolean): Promise<void> {
    this.resyncNext ||= resync;
    clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    if (this.reading) {
      this.again = true;
      return;
    }
    this.reading = true;
    try {
      do {
        this.again = false;
        const marked = this.resyncNext;
        this.resyncNext = false;
        if (this.closed) return;
        let snapshot: Snapshot<T>;
        try {
          snapshot = await this.read(this.client, this.path, this.persistentActive ? undefined : this.onTrigger);
        } catch (error) {
          if (this.closed || isZkError(error, 'CLIENT_CLOSED')) return;
          if (isZkError(error) && (error.retriable || error.code === 'SESSION_EXPIRED')) {
            // Connection trouble: the next 'reconnected' reads again. While the connection stays up (the
            // server was busy, a deadline passed), no state change will come: read again after a pause.
            if (LIVE.has(this.client.state)) this.retryLater();
          } else {
            this.emit('error', error as Error);
          }
          return;
        }
        this.retryDelayMs = RETRY_MIN_MS;
        if (this.closed) return;
        this.publish({ ...snapshot, resync: marked });
      } while (this.again);
    } finally {
      this.reading = false;
    }
  }

  private retryLater(): void {
    this.retryTimer = setTimeout(() => void this.refresh(true), this.retryDelayMs);
    this.retryTimer.unref();
    this.retryDelayMs = Math.min(RETRY_MAX_MS, this.retryDelayMs * 2);
  }

  private publish(change: WatcherChange<T>): void {
    this.last = change;
    this.resolveFirst(change);
    this.subscribers.push(change);
    this.emit('change', change);
  }
}

/** Reads data; when the node is missing, leaves an existence watch so that its creation is seen. */
const readData: Reader<Buffer> = async (client, path, watch) => {
  for (;;) {
    try {
      const { data, stat } = await client.getData(path, { watch });
      return { value: data, stat };
    } catch (error) {
      if (!isZkError(error, 'NO_NODE')) throw error;
    }
    const stat = await client.exists(path, { watch });
    if (stat === null) return { value: undefined, stat: undefined };
  }
};

/** Reads sorted children; when the node is missing, leaves an existence watch. */
const readChildren: Reader<string[]> = async (client, path, watch) => {
  for (;;) {
    try {
      const { children, stat } = await client.getChildren(path, { watch });
      return { value: [...children].sort(), stat };
    } catch (error) {
      if (!isZkError(error, 'NO_NODE')) throw error;
    }
    const stat = await client.exists(path, { watch });
    if (stat === null) return { value: undefined, stat: undefined };
  }
};

/** Reads existence (the stat). */
const readExists: Reader<Stat> = async (client, path, watch) => {
  const stat = await client.exists(path, { watch });
  return { value: stat ?? undefined, stat: stat ?? undefined };
};

/** A watcher over a node's data. */
export function dataWatcher(client: ZooKeeperClient, path: string): RearmingWatcher<Buffer> {
  return new RearmingWatcher(client, path, readData);
}

/** A watcher over a node's children. */
export function childrenWatcher(client: ZooKeeperClient, path: string): RearmingWatcher<string[]> {
  return new RearmingWatcher(client, path, readChildren);
}

/** A watcher over a node's existence. */
export function existsWatcher(client: ZooKeeperClient, path: string): RearmingWatcher<Stat> {
  return new RearmingWatcher(client, path, readExists);
}
