/**
 * How a cache learns that something changed: the seam between the cache engine and ZooKeeper's two kinds of
 * watch. {@link OneShotSource} works on every server: each read leaves a one-shot watch, and the engine reads
 * again when it fires (re-arming it); changes between a trigger and the re-read are coalesced. A persistent
 * source (ZooKeeper 3.6+) registers once for the whole tree and has no such gap.
 */
import type { ConnectionState, PersistentWatcher, PersistentWatchEvent, PersistentWatchMode, StateInfo, WatchEvent, ZooKeeperClient } from '../../client/types';

/** What a source tells the engine. */
export interface WatchSink {
  /** Something changed at `event.path`. */
  event(event: WatchEvent): void;
  /**
   * The connection is gone: what is reported from now until the next resync is done belongs to the gap
   * (the server fires the watches of what changed meanwhile as the client reconnects, before `reconnected`).
   */
  gap(): void;
  /** Changes may have been missed (a reconnect, a new session): read everything again. */
  resync(): void;
}

/** One way of watching a cache's subtree. */
export interface WatchSource {
  /** Which kind, for diagnostics and docs (`one-shot` or `persistent`). */
  readonly kind: 'one-shot' | 'persistent';
  /**
   * The watch to leave with every read (one-shot), or `undefined` when reads need none (persistent: the
   * registration covers them).
   */
  readonly readWatch: ((event: WatchEvent) => void) | undefined;
  /** Starts delivering to the sink; rejects with `UNIMPLEMENTED` when the server lacks this kind. */
  start(): Promise<void>;
  /** Stops delivering; idempotent. */
  close(): Promise<void>;
}

/**
 * One-shot watches left by the engine's own reads. ZooKeeper keeps them across a reconnect in the same session
 * but not into a new one, and nothing is delivered for what changed while disconnected in a new session: every
 * reconnect asks for a resync (re-reading also re-arms the watches).
 */
export class OneShotSource implements WatchSource {
  readonly kind = 'one-shot' as const;
  readonly readWatch: (event: WatchEvent) => void;
  private closed = false;

  constructor(
    private readonly client: ZooKeeperClient,
    private readonly sink: WatchSink,
  ) {
    // One function for every read: the client keeps one registration per path and kind for it, so reading a
    // node again never stacks up watches.
    this.readWatch = (event) => {
      if (!this.closed) this.sink.event(event);
    };
  }

  start(): Promise<void> {
    this.client.on('state', this.onState);
    return Promise.resolve();
  }

  close(): Promise<void> {
    this.closed = true;
    this.client.off('state', this.onState);
    return Promise.resolve();
  }

  private readonly onState = (state: ConnectionState, _info: StateInfo): void => {
    if (state === 'suspended' || state === 'lost') this.sink.gap();
    else if (state === 'reconnected' || state === 'connected') this.sink.resync();
  };
}

/**
 * A persistent watch as a {@link WatchSource} (ZooKeeper 3.6+, as Curator's CuratorCache): one registration for
 * the node (`persistent`, a single-node cache) or its whole subtree (`persistent-recursive`), so there is no gap
 * between a watch firing and its re-arm, and reads leave no watches. Under a recursive watch a child's creation
 * or deletion arrives as `created` / `deleted` of the child's path (no `children-changed` on the parent). The
 * client's watcher re-adds the watch after a new session and marks every reconnect with a `resync` event, which
 * becomes the sink's resync; `suspended` / `lost` become its gap, as with {@link OneShotSource}.
 */
export class PersistentSource implements WatchSource {
  readonly kind = 'persistent' as const;
  readonly readWatch = undefined;
  private watcher: PersistentWatcher | undefined;
  private closed = false;

  constructor(
    private readonly client: ZooKeeperClient,
    private readonly path: string,
    private readonly mode: PersistentWatchMode,
    private readonly sink: WatchSink,
    /** Called once when the watch, already added, could not be added again (after a new session). */
    private readonly onFailed: (error: Error) => void,
  ) {}

  /** Adds the watch; rejects (`UNIMPLEMENTED` on a server or transport without persistent watches) when it cannot. */
  async start(): Promise<void> {
    const watcher = this.client.addWatch(this.path, { mode: this.mode });
    this.watcher = watcher;
    watcher.on('event', this.onEvent);
    try {
      await watcher.ready();
    } catch (error) {
      await watcher.close();
      throw error;
    }
    if (this.closed) return;
    // A later failure to add it again (after a new session) is not retried by the watcher: the owner must
    // watch another way.
    watcher.on('error', (error) => {
      if (!this.closed) this.onFailed(error);
    });
    this.client.on('state', this.onState);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.client.off('state', this.onState);
    await this.watcher?.close();
  }

  private readonly onEvent = (event: PersistentWatchEvent): void => {
    if (this.closed) return;
    if (event.type === 'resync') this.sink.resync();
    else this.sink.event({ type: event.type, path: event.path });
  };

  private readonly onState = (state: ConnectionState): void => {
    if (state === 'suspended' || state === 'lost') this.sink.gap();
  };
}

