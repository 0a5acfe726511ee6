/**
 * The live view of a group's members: a persistent recursive watch on the group where the server has them
 * (3.6+: one watch sees members come, go and change their data, and is never re-armed), else a re-arming
 * children watch on the group plus each member's data read with a one-shot data watch. Every change is
 * folded into one serial refresh, so `join`/`leave`/`change` come in order and the view converges to what
 * the server has.
 */
import { isZkError } from '../../client/errors';
import { joinPath, nodeName } from '../../client/paths';
import type { PersistentWatchEvent, Watcher, ZooKeeperClient } from '../../client/types';
import { ReconcileLoop } from '../../client/reconcile-loop';
import { FollowedPath } from '../shared/followed-path';

/** What a {@link GroupView} reports. */
export interface GroupViewListener {
  /** A member appeared (or came back with a new node). */
  join(memberId: string, data: Buffer): void;
  /** A member's node is gone. */
  leave(memberId: string): void;
  /** A member's data changed. */
  change(memberId: string, data: Buffer): void;
  /** Called after each refresh that changed the view (and after the first). */
  members(): void;
  /** A read failed for a reason other than the connection. */
  error(error: Error): void;
}

type Entry = { data: Buffer; czxid: bigint; mzxid: bigint };

/** A cache of `<groupPath>/*` nodes and their data. */
export class GroupView {
  private readonly entries = new Map<string, Entry>();
  private readonly followed: FollowedPath;
  /** The children watch, where there is no persistent watch. */
  private watcher: Watcher<string[]> | undefined;
  private dirty = new Set<string>();
  private rereadAll = false;
  private closed = false;
  private isLoaded = false;
  /** Runs the refreshes, one at a time; after a failure it reads again after a backoff, or on the watcher's resync. */
  private readonly loop: ReconcileLoop;
  private resolveLoaded!: () => void;
  private readonly loadedPromise = new Promise<void>((resolve) => {
    this.resolveLoaded = resolve;
  });

  constructor(
    private readonly client: ZooKeeperClient,
    private readonly groupPath: string,
    private readonly listener: GroupViewListener,
  ) {
    this.loop = new ReconcileLoop(client, {
      step: () => this.refresh(),
      active: () => !this.closed,
      onError: (error) => this.listener.error(error),
    });
    this.followed = new FollowedPath(client, groupPath, 'persistent-recursive', this.onPersistentEvent, (error) => this.listener.error(error));
  }

  /** Starts watching; resolves once the first view is read (or when closed first). */
  async start(): Promise<void> {
    await this.followed.start();
    if (this.closed) return;
    if (this.followed.active) {
      this.loop.kick();
      return this.loadedPromise;
    }
    const watcher = this.client.watchChildren(this.groupPath);
    this.watcher = watcher;
    watcher.on('change', (change) => {
      // After a gap (reconnect, new session) the one-shot data watches may be gone: read every member again.
      if (change.resync) this.rereadAll = true;
      this.loop.kick();
    });
    watcher.on('error', (error) => this.listener.error(error));
    return this.loadedPromise;
  }

  /** The members as last read: id → data. */
  snapshot(): Map<string, Buffer> {
    return new Map([...this.entries].map(([id, entry]) => [id, entry.data]));
  }

  /** True once the first view is read. */
  get loaded(): boolean {
    return this.isLoaded;
  }

  /** Stops watching and forgets the view. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.loop.stop();
    this.entries.clear();
    this.resolveLoaded();
    await Promise.all([this.followed.close(), this.watcher?.close()]);
  }

  /** A member came, went or changed (or, on the group itself, the group did), or a gap (resync) to read over. */
  private readonly onPersistentEvent = (event: PersistentWatchEvent): void => {
    if (event.type === 'resync') this.rereadAll = true;
    else if (event.path !== this.groupPath) {
      const prefix = this.groupPath === '/' ? '/' : `${this.groupPath}/`;
      const [member = ''] = event.path.slice(prefix.length).split('/');
      this.dirty.add(member);
    }
    this.loop.kick();
  };

  private readonly onDataWatch = (event: { path: string }): void => {
    this.dirty.add(nodeName(event.path));
    this.loop.kick();
  };

  private async refresh(): Promise<void> {
    const children = await this.children();
    if (children === undefined) return; // the watcher's first read kicks again
    const present = new Set(children);
    let changed = false;
    for (const id of [...this.entries.keys()]) {
      if (present.has(id)) continue;
      this.entries.delete(id);
      this.listener.leave(id);
      changed = true;
    }
    const rereadAll = this.rereadAll;
    const dirty = this.dirty;
    this.rereadAll = false;
    this.dirty = new Set();
    const toRead = children.filter((id) => rereadAll || dirty.has(id) || !this.entries.has(id));
    let reads: Array<Entry | undefined>;
    try {
      reads = await Promise.all(toRead.map((id) => this.read(id)));
    } catch (error) {
      // Read them again next time.
      this.rereadAll ||= rereadAll;
      for (const id of toRead) this.dirty.add(id);
      if (changed) this.publish();
      throw error;
    }
    if (this.closed) return;
    toRead.forEach((id, index) => {
      const entry = reads[index];
      const previous = this.entries.get(id);
      if (entry === undefined) {
        if (previous === undefined) return;
        this.entries.delete(id);
        this.listener.leave(id);
      } else if (previous === undefined) {
        this.entries.set(id, entry);
        this.listener.join(id, entry.data);
      } else if (previous.czxid !== entry.czxid) {
        // A new node under the same id: the member left and came back (e.g. after its session expired).
        this.entries.set(id, entry);
        this.listener.leave(id);
        this.listener.join(id, entry.data);
      } else if (previous.mzxid !== entry.mzxid) {
        this.entries.set(id, entry);
        this.listener.change(id, entry.data);
      } else {
        return;
      }
      changed = true;
    });
    if (!this.isLoaded) {
      this.isLoaded = true;
      changed = true;
      this.resolveLoaded();
    }
    if (changed) this.publish();
  }

  /** The members' ids: listed (persistent watch), or as the children watch last read them. */
  private async children(): Promise<string[] | undefined> {
    if (!this.followed.active) {
      const current = this.watcher?.current;
      return current === undefined ? undefined : (current.value ?? []);
    }
    try {
      return (await this.client.getChildren(this.groupPath)).children;
    } catch (error) {
      if (isZkError(error, 'NO_NODE')) return [];
      throw error;
    }
  }

  private async read(id: string): Promise<Entry | undefined> {
    try {
      const watch = this.followed.active ? {} : { watch: this.onDataWatch };
      const { data, stat } = await this.client.getData(joinPath(this.groupPath, id), watch);
      return { data, czxid: stat.czxid, mzxid: stat.mzxid };
    } catch (error) {
      if (isZkError(error, 'NO_NODE')) return undefined;
      throw error;
    }
  }

  private publish(): void {
    this.listener.members();
  }
}
