/**
 * How a cache learns that something changed: the seam between the cache engine and ZooKeeper's two kinds of
 * watch. {@link OneShotSource} works on every server: each read leaves a one-shot watch, and the engine reads
 * again when it fires (re-arming it); changes between a trigger and the re-read are coalesced. A persistent
 * source (ZooKeeper 3.6+) registers once for the whole tree and has no such gap.
 */
import type { ConnectionState, StateInfo, WatchEvent, ZooKeeperClient } from '../../client/types';

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
