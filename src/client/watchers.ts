/**
 * Auto-re-arming watchers. ZooKeeper's watches fire once; these read again (leaving a new watch) after
 * every trigger, and re-read after every reconnect and new session, because the wire client delivers no
 * watch event when a session expires. Results after such a gap are marked `resync`.
 */
import { EventEmitter } from 'eventemitter3';
import { Fanout } from './async-queue';
import { isConnectionTrouble, isZkError } from './errors';
import { ReconcileLoop } from './reconcile-loop';
import type { ConnectionState, Stat, WatchEvent, Watcher, WatcherChange, WatcherEvents, ZooKeeperClient } from './types';

const LIVE: ReadonlySet<ConnectionState> = new Set(['connected', 'reconnected', 'read-only']);

type Snapshot<T> = { value: T | undefined; stat: Stat | undefined };
type Reader<T> = (client: ZooKeeperClient, path: string, watch: (event: WatchEvent) => void) => Promise<Snapshot<T>>;

/** A watcher over one path with a pluggable read (data, children or existence). */
export class RearmingWatcher<T> extends EventEmitter<WatcherEvents<T>> implements Watcher<T> {
  private last: WatcherChange<T> | undefined;
  private resyncNext = false;
  private closed = false;
  private readonly changes = new Fanout<WatcherChange<T>>();
  /**
   * Runs the reads, one at a time (triggers during a read fold into one more). After connection trouble
   * while the connection stays up (a busy server, a passed deadline) it reads again after a backoff; after
   * a disconnect the next `reconnected` does. Other errors are reported and wait for the next trigger.
   */
  private readonly loop: ReconcileLoop;
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
    this.loop = new ReconcileLoop(client, {
      step: () => this.refresh(),
      active: () => !this.closed,
      onError: (error) => this.emit('error', error),
      retries: (error) => isConnectionTrouble(error) && !isZkError(error, 'CLIENT_CLOSED'),
      canRetry: () => LIVE.has(client.state),
    });
  }

  /** The last value seen. */
  get current(): WatcherChange<T> | undefined {
    return this.last;
  }

  /** Begins watching (called by the client). */
  start(): void {
    this.client.on('state', this.onState);
    this.loop.kick();
  }

  /** Resolves with the first read. */
  ready(): Promise<WatcherChange<T>> {
    return this.firstRead;
  }

  /** Stops watching and ends every async iterator; a pending `ready()` rejects with `reason`. Idempotent. */
  async close(reason: unknown = new Error(`watcher on ${this.path} closed`)): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.loop.stop();
    this.client.off('state', this.onState);
    this.rejectFirst(reason);
    this.changes.end();
    this.removeAllListeners();
    this.onClosed?.();
  }

  /** Same as {@link RearmingWatcher.close}. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  /** Yields the current value (once known) and then every change, until closed. */
  [Symbol.asyncIterator](): AsyncIterableIterator<WatcherChange<T>, undefined> {
    return this.changes.iterate({ initial: this.last ? [this.last] : [] });
  }

  private readonly onTrigger = (): void => this.loop.kick();

  private readonly onState = (state: ConnectionState): void => {
    if (!LIVE.has(state)) return;
    // After a gap the value may have changed unseen (and no watch event says so after a new session).
    this.resyncNext = true;
    this.loop.kick();
  };

  /** One read (leaving a new watch), published unless the watcher closed meanwhile. */
  private async refresh(): Promise<void> {
    const marked = this.resyncNext;
    this.resyncNext = false;
    let snapshot: Snapshot<T>;
    try {
      snapshot = await this.read(this.client, this.path, this.onTrigger);
    } catch (error) {
      this.resyncNext ||= marked || isConnectionTrouble(error); // what a retry reads may have changed unseen
      throw error;
    }
    if (this.closed) return;
    this.publish({ ...snapshot, resync: marked });
  }

  private publish(change: WatcherChange<T>): void {
    this.last = change;
    this.resolveFirst(change);
    this.changes.push(change);
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
