/**
 * Following a path for long with the client's persistent watch (ZooKeeper 3.6+) where the server and
 * transport have one: set once, it survives every notification (no re-arming read after each) and the
 * client adds it again after reconnects and new sessions, marking each gap with a `resync` event. Where
 * there is none (`UNIMPLEMENTED`) the recipe keeps its one-shot watches: {@link FollowedPath.active} says which.
 */
import { isZkError } from '../../client/errors';
import type { PersistentWatcher, PersistentWatchEvent, PersistentWatchMode, ZooKeeperClient } from '../../client/types';

/** A persistent watch on one path, or the knowledge that there is none. */
export class FollowedPath {
  private watcher: PersistentWatcher | undefined;
  private isActive = false;
  private closed = false;

  constructor(
    private readonly client: ZooKeeperClient,
    private readonly path: string,
    private readonly mode: PersistentWatchMode,
    private readonly onEvent: (event: PersistentWatchEvent) => void,
    /** Adding the watch again failed in a way that is not retried (e.g. `NO_AUTH`). */
    private readonly onError: (error: Error) => void,
  ) {}

  /** True once the server has the watch: one-shot watches are not needed. */
  get active(): boolean {
    return this.isActive;
  }

  /**
   * Adds the watch; resolves once the server has it (then {@link FollowedPath.active}) or refused it
   * (`UNIMPLEMENTED`: the watch is given up). Other failures are retried by the watch itself.
   */
  async start(): Promise<void> {
    if (this.watcher !== undefined || this.closed) return;
    const watcher = this.client.addWatch(this.path, { mode: this.mode });
    this.watcher = watcher;
    watcher.on('event', this.onEvent);
    watcher.on('error', (error) => {
      // UNIMPLEMENTED is the answer start() waits for, not a failure.
      if (!isZkError(error, 'UNIMPLEMENTED')) this.onError(error);
    });
    try {
      await watcher.ready();
      this.isActive = !this.closed;
    } catch (error) {
      if (this.closed) return;
      if (!isZkError(error, 'UNIMPLEMENTED')) throw error;
      await watcher.close();
    }
  }

  /** Removes the watch. Idempotent. */
  async close(): Promise<void> {
    this.closed = true;
    this.isActive = false;
    await this.watcher?.close();
  }
}
