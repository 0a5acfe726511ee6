/**
 * {@link CacheEngine}: the one engine under {@link NodeCache} and {@link TreeCache} (and so under the shared
 * values and {@link ConfigCache}). It keeps a subtree in memory and turns what it reads into exactly the
 * differences: a change is reported only when a read shows a node that is new (by `czxid`), newer (by `mzxid`)
 * or gone, so a node read twice — by a watch and by a resync at once — is reported once, and a value is
 * never followed by an older one.
 */
import { channels, type CacheMessage } from '../../client/channels';
import { isConnectionTrouble, isZkError } from '../../client/errors';
import { joinPath, nodeName, parentPath } from '../../client/paths';
import type { MultiReadOp, MultiReadResult, Stat, WatchEvent, ZooKeeperClient } from '../../client/types';
import { toError } from '../shared/recipe';
import { ReconcileLoop } from '../../client/reconcile-loop';
import { ReadLimiter } from './read-limiter';
import { OneShotSource, PersistentSource, type WatchSink, type WatchSource } from './watch-source';

/** A node as a cache holds it. */
export interface CachedNode {
  /** Path of the node (relative to the client's namespace). */
  readonly path: string;
  /** Its stat as last read. */
  readonly stat: Stat;
  /** Its data as last read; `undefined` when the cache keeps no data (`dataIncluded: false`). */
  readonly data: Buffer | undefined;
}

/**
 * One difference between what a cache held and what the server has. `resync` is true when a re-read after a
 * gap (reconnect, new session, a watch re-registered) found it rather than a watch.
 */
export type CacheChange =
  | {
      /** A node appeared. */
      readonly type: 'added';
      /** The node as it is now. */
      readonly node: CachedNode;
      /** True when a re-read after a gap (reconnect, new session, a watch re-registered) found it rather than a watch. */
      readonly resync: boolean;
    }
  | {
      /** A node's data changed. */
      readonly type: 'updated';
      /** The node as it is now. */
      readonly node: CachedNode;
      /** The node as it was. */
      readonly previous: CachedNode;
      /** True when a re-read after a gap (reconnect, new session, a watch re-registered) found it rather than a watch. */
      readonly resync: boolean;
    }
  | {
      /** A node is gone. */
      readonly type: 'removed';
      /** The node as it was last seen. */
      readonly node: CachedNode;
      /** True when a re-read after a gap (reconnect, new session, a watch re-registered) found it rather than a watch. */
      readonly resync: boolean;
    };

/** Whom the engine tells. */
export interface EngineListener {
  /** A difference, in the order the server's state implies (a parent before its children are added; children removed first). */
  change(change: CacheChange): void;
  /** The first full read is done (called once). */
  initialized(): void;
  /** A full re-read after a gap is done: from here on the cache equals the server again. */
  resynced(): void;
  /** A read failed for a reason other than the connection (it is retried). */
  error(error: Error): void;
}

/** How the engine reads. */
export interface EngineOptions {
  /** Deepest level kept (0: the root node only). */
  maxDepth: number;
  /** Keep node data (else only stats). */
  dataIncluded: boolean;
  /** Most node visits (a data read and a listing each) in flight at once. */
  maxInFlight: number;
}

type NodeRead = { data: Buffer | undefined; stat: Stat } | undefined;

/** Most nodes read by one multiRead of a walk (a getData and, above `maxDepth`, a getChildren each). */
export const WALK_BATCH_NODES = 100;

interface Entry {
  node: CachedNode;
  /** Whether its children are kept (it is above `maxDepth`). */
  listed: boolean;
  /** Names of the children held (only those read); allocated with the first, as most nodes are leaves. */
  children: Set<string> | undefined;
}

/** Keeps the subtree at `root` in memory; see the module comment. */
export class CacheEngine implements WatchSink {
  private readonly entries = new Map<string, Entry>();
  private readonly limiter: ReadLimiter;
  /** Runs the full walks (first load and resyncs) one at a time, retried after failures. */
  private readonly loop: ReconcileLoop;
  private source: WatchSource | undefined;
  /** The persistent source while its registration is under way (closed with the engine). */
  private opening: WatchSource | undefined;
  /** Whether walks read with multiRead (under a persistent watch, until the server refuses it). */
  private batched = false;
  /** Counts watch events; a read remembers the count when it starts. */
  private eventSeq = 0;
  /**
   * Under a persistent watch: the event count at which a path was last reported deleted, kept while reads are
   * in flight. The transport delivers a notification at once but a reply through a promise, so a deletion can
   * be seen before the (older) read that still shows the node: such a read is dropped, and no listing of the
   * parent would ever correct it, as a recursive watch reports no `children-changed`.
   */
  private readonly deletedAt = new Map<string, number>();
  private readsInFlight = 0;
  private loaded = false;
  private closed = false;
  /**
   * Set from a resync request until the walk it asked for is done: every change reported meanwhile — by the
   * walk, or by a watch the server fires for what happened during the gap — is marked `resync`.
   */
  private resyncing = false;
  /** Counts resync requests, so that only the walk that started after the last one ends the resync. */
  private resyncRequests = 0;
  private settleStart: { resolve: () => void; reject: (error: unknown) => void } | undefined;

  constructor(
    private readonly client: ZooKeeperClient,
    private readonly root: string,
    private readonly options: EngineOptions,
    private readonly listener: EngineListener,
  ) {
    this.limiter = new ReadLimiter(options.maxInFlight);
    this.loop = new ReconcileLoop(client, {
      step: () => this.walk(),
      active: () => !this.closed,
      onError: (error) => {
        if (this.loaded) this.listener.error(error);
      },
    });
  }

  /** Which kind of watch feeds the cache (once started). */
  get watchKind(): WatchSource['kind'] | undefined {
    return this.source?.kind;
  }

  /** Number of nodes held. */
  get size(): number {
    return this.entries.size;
  }

  /** Starts watching and resolves once the first full read is done; rejects on a non-connection error. */
  start(): Promise<void> {
    if (this.closed) return Promise.resolve(); // closed while its owner was still getting ready
    const started = new Promise<void>((resolve, reject) => (this.settleStart = { resolve, reject }));
    this.open().then(
      () => {
        if (!this.closed) this.loop.kick();
      },
      (error: unknown) => this.failStart(error),
    );
    return started;
  }

  /**
   * Picks the source: a persistent watch (recursive unless only the root is kept, as CuratorCache does) where
   * the server and transport have one, else — `UNIMPLEMENTED`, or any other refusal — one-shot watches.
   */
  private async open(): Promise<void> {
    const mode = this.options.maxDepth === 0 ? 'persistent' : 'persistent-recursive';
    const persistent = new PersistentSource(this.client, this.root, mode, this, (error) => void this.fallBack(persistent, error));
    this.opening = persistent;
    try {
      await persistent.start();
      if (this.closed) return;
      this.source = persistent;
      this.batched = true;
      return;
    } catch {
      await persistent.close();
    } finally {
      this.opening = undefined;
    }
    if (this.closed) return;
    const oneShot = new OneShotSource(this.client, this);
    this.source = oneShot;
    await oneShot.start();
  }

  /**
   * The persistent watch could not be added again (after a new session): reported, and the cache goes on with
   * one-shot watches, re-reading everything to arm them.
   */
  private async fallBack(persistent: WatchSource, error: Error): Promise<void> {
    if (this.closed || this.source !== persistent) return;
    this.listener.error(error);
    const oneShot = new OneShotSource(this.client, this);
    this.source = oneShot;
    this.batched = false;
    await Promise.all([persistent.close(), oneShot.start()]);
    this.resync();
  }

  /** Stops watching and forgets everything; idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.loop.stop();
    this.settleStart?.resolve();
    this.settleStart = undefined;
    await Promise.all([this.opening?.close(), this.source?.close()]);
    this.entries.clear();
  }

  /** The node at `path`, when held. */
  get(path: string): CachedNode | undefined {
    return this.entries.get(path)?.node;
  }

  /** Sorted names of the children held of `path`; `undefined` when `path` is not held (or is below `maxDepth`). */
  children(path: string): string[] | undefined {
    const entry = this.entries.get(path);
    return entry?.listed === true ? [...(entry.children ?? [])].sort() : undefined;
  }

  /** Every node held, parents before their children. */
  *nodes(): IterableIterator<CachedNode> {
    for (const entry of this.entries.values()) yield entry.node;
  }

  /**
   * Takes in what a write of this process returned (its data and stat), so the cache shows it at once; the
   * watch's read that follows finds nothing newer and reports nothing more.
   */
  applyWrite(path: string, data: Buffer, stat: Stat): void {
    if (!this.closed) this.applyNode(path, { data, stat }, false);
  }

  /** {@link WatchSink}: a watch fired. */
  event(event: WatchEvent): void {
    // Before the source is chosen nothing was read yet: the first walk, which starts after, covers it.
    if (this.closed || this.source === undefined) return;
    const depth = this.depthOf(event.path);
    if (depth === undefined || depth > this.options.maxDepth) return;
    this.eventSeq += 1;
    const persistent = this.source.kind === 'persistent';
    switch (event.type) {
      case 'deleted':
        if (persistent && this.readsInFlight > 0) this.deletedAt.set(event.path, this.eventSeq);
        this.remove(event.path, false);
        // The root may come back: a read leaves an existence watch on it (a persistent watch stays anyway).
        if (event.path === this.root && !persistent) this.spawn(this.visit(this.root, 0, false, true));
        break;
      case 'created':
        this.spawn(this.visit(event.path, depth, false, true));
        break;
      case 'data-changed':
        this.spawn(this.visit(event.path, depth, false, false));
        break;
      case 'children-changed':
        this.spawn(this.relist(event.path, depth));
        break;
    }
  }

  /** {@link WatchSink}: changes reported from now on belong to a gap, until the next resync's walk is done. */
  gap(): void {
    if (this.loaded) this.resyncing = true;
  }

  /** {@link WatchSink}: read everything again. */
  resync(): void {
    if (this.closed || this.source === undefined) return;
    if (this.loaded) this.resyncing = true;
    this.resyncRequests += 1;
    this.loop.kick();
  }

  /** One full read of the subtree: the first load, or a resync that reports what changed meanwhile. */
  private async walk(): Promise<void> {
    const resync = this.loaded;
    const requests = this.resyncRequests;
    try {
      await (this.batched ? this.walkBatched(resync) : this.visit(this.root, 0, resync, true));
    } catch (error) {
      if (!this.loaded && !isConnectionTrouble(error)) this.failStart(error);
      throw error;
    }
    if (this.closed) return;
    if (!this.loaded) {
      this.loaded = true;
      this.settleStart?.resolve();
      this.settleStart = undefined;
      this.listener.initialized();
    } else if (this.resyncing && requests === this.resyncRequests) {
      this.resyncing = false;
      this.listener.resynced();
    }
  }

  /**
   * Reads the node at `path` (and its children when `withChildren` and above `maxDepth`), applies what it
   * finds, then visits the children: all of them on a full walk, only the new ones otherwise.
   */
  private async visit(path: string, depth: number, resync: boolean, withChildren: boolean): Promise<void> {
    const list = withChildren && depth < this.options.maxDepth;
    const seq = this.beginRead();
    let held: 'new' | 'held' | 'gone';
    let names: string[] | undefined;
    try {
      let read: NodeRead;
      [read, names] = await this.limiter.run(() => Promise.all([this.readNode(path), list ? this.listChildren(path) : undefined]));
      if (this.closed || this.deletedSince(path, seq)) return;
      held = this.applyNode(path, read, resync);
    } finally {
      this.endRead();
    }
    if (held === 'gone') return;
    if (names === undefined) {
      // A node that is new to the cache (e.g. deleted and created again unseen) needs its children read, and
      // with one-shot watches a watch on them.
      if (held === 'new') await this.relist(path, depth);
      return;
    }
    const toVisit = this.applyChildren(path, names, resync);
    await Promise.all(toVisit.map((name) => this.visit(joinPath(path, name), depth + 1, resync, true)));
  }

  /**
   * A full walk with multiRead (under a persistent watch, so reads need leave no watches): level by level,
   * each level in batches of at most {@link WALK_BATCH_NODES} nodes, one multiRead each (at most `maxInFlight`
   * batches at once); parents are applied before their children as a level is done before the next.
   */
  private async walkBatched(resync: boolean): Promise<void> {
    let level = [this.root];
    for (let depth = 0; level.length > 0 && !this.closed; depth += 1) {
      const batches: string[][] = [];
      for (let i = 0; i < level.length; i += WALK_BATCH_NODES) batches.push(level.slice(i, i + WALK_BATCH_NODES));
      const list = depth < this.options.maxDepth;
      level = (await Promise.all(batches.map((batch) => this.visitBatch(batch, list, resync)))).flat();
    }
  }

  /** Reads and applies one batch of a level; returns the paths of the next level below it. */
  private async visitBatch(paths: string[], list: boolean, resync: boolean): Promise<string[]> {
    const seq = this.beginRead();
    try {
      const reads = await this.limiter.run(() => this.readBatch(paths, list));
      const below: string[] = [];
      if (this.closed) return below;
      paths.forEach((path, index) => {
        const found = reads[index];
        if (found === undefined || this.deletedSince(path, seq)) return;
        const [read, names] = found;
        if (this.applyNode(path, read, resync) === 'gone' || names === undefined) return;
        for (const name of this.applyChildren(path, names, resync)) below.push(joinPath(path, name));
      });
      return below;
    } finally {
      this.endRead();
    }
  }

  /** One multiRead for `paths` (data, and children when `list`); per-node reads where multiRead fails. */
  private async readBatch(paths: string[], list: boolean): Promise<Array<[NodeRead, string[] | undefined]>> {
    const ops: MultiReadOp[] = [];
    for (const path of paths) {
      ops.push({ type: 'getData', path });
      if (list) ops.push({ type: 'getChildren', path });
    }
    let results: MultiReadResult[];
    try {
      results = await this.client.multiRead(ops);
    } catch (error) {
      if (isConnectionTrouble(error)) throw error;
      // UNIMPLEMENTED (a server that lost it, e.g. an older one after a failover): not asked again. Anything
      // else (a request or reply too large): this batch node by node.
      if (isZkError(error, 'UNIMPLEMENTED')) this.batched = false;
      return Promise.all(paths.map((path) => Promise.all([this.readNode(path), list ? this.listChildren(path) : undefined])));
    }
    let next = 0;
    return paths.map((): [NodeRead, string[] | undefined] => {
      const data = results[next++];
      const children = list ? results[next++] : undefined;
      return [this.batchRead(data), children === undefined ? undefined : this.batchChildren(children)];
    });
  }

  private batchRead(result: MultiReadResult | undefined): NodeRead {
    if (result?.type === 'getData') return { data: this.options.dataIncluded ? result.data : undefined, stat: result.stat };
    if (result?.type === 'error' && isZkError(result.error, 'NO_NODE')) return undefined;
    throw result?.type === 'error' ? result.error : new Error(`multiRead answered a getData with ${result?.type ?? 'nothing'}`);
  }

  private batchChildren(result: MultiReadResult): string[] | undefined {
    if (result.type === 'getChildren') return result.children;
    if (result.type === 'error' && isZkError(result.error, 'NO_NODE')) return undefined;
    throw result.type === 'error' ? result.error : new Error(`multiRead answered a getChildren with ${result.type}`);
  }

  /** Starts a read: returns the event count to check {@link CacheEngine.deletedSince} against. */
  private beginRead(): number {
    this.readsInFlight += 1;
    return this.eventSeq;
  }

  /** Ends a read (once applied); the deletions remembered for reads in flight are forgotten with the last. */
  private endRead(): void {
    this.readsInFlight -= 1;
    if (this.readsInFlight === 0) this.deletedAt.clear();
  }

  /** Whether a `deleted` of `path` was seen after event `seq`: a read started then may be older than it. */
  private deletedSince(path: string, seq: number): boolean {
    const at = this.deletedAt.get(path);
    return at !== undefined && at > seq;
  }

  /** Lists `path` again after its children changed: removes the ones gone, reads the new ones. */
  private async relist(path: string, depth: number): Promise<void> {
    if (depth >= this.options.maxDepth) return;
    const names = await this.limiter.run(() => this.listChildren(path));
    if (this.closed || names === undefined) return;
    const held = this.entries.get(path)?.children;
    const added = this.applyChildren(path, names, false).filter((name) => !held?.has(name));
    await Promise.all(added.map((name) => this.visit(joinPath(path, name), depth + 1, false, true)));
  }

  /** Runs a change's reads in the background: connection trouble is left to the resync, anything else reported. */
  private spawn(work: Promise<void>): void {
    work.catch((error: unknown) => {
      if (this.closed || isConnectionTrouble(error)) return;
      this.listener.error(toError(error));
      this.loop.kick(); // a full read puts the cache right again
    });
  }

  private async readNode(path: string): Promise<NodeRead> {
    const watch = this.source?.readWatch;
    for (;;) {
      try {
        if (this.options.dataIncluded) return await this.client.getData(path, { watch });
        const stat = await this.client.exists(path, { watch });
        return stat === null ? undefined : { data: undefined, stat };
      } catch (error) {
        if (!isZkError(error, 'NO_NODE')) throw error;
      }
      // A missing root is watched for its creation (a child's creation shows in its parent's listing).
      if (path !== this.root || watch === undefined) return undefined;
      if ((await this.client.exists(path, { watch })) === null) return undefined;
    }
  }

  private async listChildren(path: string): Promise<string[] | undefined> {
    try {
      return (await this.client.getChildren(path, { watch: this.source?.readWatch })).children;
    } catch (error) {
      if (isZkError(error, 'NO_NODE')) return undefined;
      throw error;
    }
  }

  /** Applies a read of one node: `new` when it was not held before, `held` when it was, `gone` when it is not held now. */
  private applyNode(path: string, read: NodeRead, resync: boolean): 'new' | 'held' | 'gone' {
    if (read === undefined) {
      this.remove(path, resync);
      return 'gone';
    }
    // A copy of the data: the read's Buffer may be a view into the whole reply it came in.
    const node: CachedNode = { path, stat: read.stat, data: this.options.dataIncluded && read.data ? Buffer.from(read.data) : undefined };
    const entry = this.entries.get(path);
    if (entry !== undefined) {
      const held = entry.node.stat;
      if (read.stat.czxid < held.czxid || (read.stat.czxid === held.czxid && read.stat.mzxid < held.mzxid)) return 'held'; // older than held
      if (read.stat.czxid === held.czxid) {
        const previous = entry.node;
        entry.node = node; // a newer stat (children changed) is kept without an event
        if (read.stat.mzxid > held.mzxid) this.report({ type: 'updated', node, previous, resync });
        return 'held';
      }
      // Deleted and created again since the last read: the old node and its subtree are gone.
      this.remove(path, resync);
    }
    if (path !== this.root) {
      const parent = this.entries.get(parentPath(path));
      if (parent?.listed !== true) return 'gone'; // its parent is gone (or not yet read): out of the tree
      (parent.children ??= new Set()).add(nodeName(path));
    }
    const depth = this.depthOf(path) ?? 0;
    this.entries.set(path, { node, listed: depth < this.options.maxDepth, children: undefined });
    this.report({ type: 'added', node, resync });
    return 'new';
  }

  /** Applies a listing: removes the children gone; returns the names to visit (all on a resync walk, else the new). */
  private applyChildren(path: string, names: string[], resync: boolean): string[] {
    const entry = this.entries.get(path);
    if (entry?.listed !== true) return [];
    const present = new Set(names);
    for (const name of [...(entry.children ?? [])]) {
      if (!present.has(name)) this.remove(joinPath(path, name), resync);
    }
    return names;
  }

  /** Forgets `path` and its subtree, reporting children before their parent. */
  private remove(path: string, resync: boolean): void {
    const entry = this.entries.get(path);
    if (entry === undefined) return;
    for (const name of [...(entry.children ?? [])]) this.remove(joinPath(path, name), resync);
    this.entries.delete(path);
    if (path !== this.root) this.entries.get(parentPath(path))?.children?.delete(nodeName(path));
    this.report({ type: 'removed', node: entry.node, resync });
  }

  private report(change: CacheChange): void {
    this.listener.change(this.resyncing && !change.resync ? { ...change, resync: true } : change);
  }

  /** Depth of `path` below the root (0 for the root), `undefined` outside the subtree. */
  private depthOf(path: string): number | undefined {
    if (path === this.root) return 0;
    const prefix = this.root === '/' ? '/' : `${this.root}/`;
    if (!path.startsWith(prefix)) return undefined;
    return path.slice(prefix.length).split('/').length;
  }

  private failStart(error: unknown): void {
    this.settleStart?.reject(error);
    this.settleStart = undefined;
  }
}

/** Publishes `resynced` on `zk-recipes:cache` (only when subscribed): a cache caught up after a gap. */
export function traceResynced(kind: string, path: string, sessionId: string | undefined): void {
  if (!channels.cache.hasSubscribers) return;
  const message: CacheMessage = { event: 'resynced', kind, path, sessionId };
  channels.cache.publish(message);
}
