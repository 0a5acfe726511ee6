/** {@link TreeCache}: a whole subtree in memory, kept current (Curator's TreeCache / CuratorCache). */
import { Fanout, type AsyncQueueOptions } from '../../client/async-queue';
import { validatePath } from '../../client/paths';
import type { ZooKeeperClient } from '../../client/types';
import { Recipe, type RecipeEvents } from '../shared/recipe';
import { CacheEngine, traceResynced, type CacheChange, type CachedNode } from './cache-engine';
import { booleanOption, optionsObject } from '../shared/options';
import { integerOption } from './validate';

/** Options of a {@link TreeCache}. */
export interface TreeCacheOptions {
  /** Deepest level kept below the root (0: the root only, 1: it and its children, ...). @default Infinity */
  maxDepth?: number;
  /** Keep each node's data (else only stats, which costs one `exists` per node instead of a `getData`). @default true */
  dataIncluded?: boolean;
  /**
   * Most nodes being read at once (each a data read and a listing, sent together). Bounds the initial load's
   * and a resync's burst on the server. @default 64
   */
  maxInFlight?: number;
}

/** What a {@link TreeCache}'s iterator yields: a change, or the end of the first load or of a resync. */
export type TreeCacheEvent =
  | CacheChange
  | {
      /** The first full load is done. */
      readonly type: 'initialized';
    }
  | {
      /** A full re-read after a gap (reconnect, new session) is done. */
      readonly type: 'resynced';
    };

/** Events of a {@link TreeCache}. */
export interface TreeCacheEvents extends RecipeEvents {
  /** A node appeared (also for every node of the first load, before `initialized`). */
  added: (change: Extract<CacheChange, { type: 'added' }>) => void;
  /** A node's data changed (its `mzxid` moved). */
  updated: (change: Extract<CacheChange, { type: 'updated' }>) => void;
  /** A node is gone (children are reported before their parent). */
  removed: (change: Extract<CacheChange, { type: 'removed' }>) => void;
  /** The first full load is done. */
  initialized: () => void;
  /** A full re-read after a gap (reconnect, new session) is done: the cache equals the server again. */
  resynced: () => void;
}

/** The resolved options of a {@link TreeCache}. */
interface ResolvedTreeCacheOptions {
  maxDepth: number;
  dataIncluded: boolean;
  maxInFlight: number;
}

/** Checks {@link TreeCacheOptions} and fills in defaults. */
export function resolveTreeCacheOptions(options: TreeCacheOptions | undefined): ResolvedTreeCacheOptions {
  const given = optionsObject(options, 'TreeCache');
  return {
    maxDepth: integerOption(given.maxDepth, 'maxDepth', 'TreeCache', Infinity, 0, Infinity),
    dataIncluded: booleanOption(given.dataIncluded, 'dataIncluded', 'TreeCache', true),
    maxInFlight: integerOption(given.maxInFlight, 'maxInFlight', 'TreeCache', 64, 1, 10_000),
  };
}

/**
 * The subtree at `path` in memory: `start()` loads it (reads pipelined, at most `maxInFlight` nodes at once;
 * an `added` event per node, then `initialized`), then watches keep it current. After a reconnect or a session
 * loss the subtree is read again and exactly the differences are reported, marked `resync`, followed by
 * `resynced`. Rapid changes to one node may be coalesced; a node never goes back to an older value.
 *
 * @example
 * ```ts
 * const cache = new TreeCache(client, '/services', { maxDepth: 2 });
 * cache.on('added', ({ node }) => console.log('up', node.path));
 * cache.on('removed', ({ node }) => console.log('down', node.path));
 * await cache.start();
 * console.log(cache.children('/services'), cache.get('/services/api')?.data?.toString());
 * for (const node of cache) index(node);
 * ```
 */
export class TreeCache extends Recipe<TreeCacheEvents> implements Iterable<CachedNode> {
  private readonly engine: CacheEngine;
  private readonly fanout = new Fanout<TreeCacheEvent>();

  /** Checks the arguments; does no I/O. */
  constructor(client: ZooKeeperClient, path: string, options?: TreeCacheOptions) {
    super(client, path, 'TreeCache');
    validatePath(path);
    this.engine = new CacheEngine(this.client, path, resolveTreeCacheOptions(options), {
      change: (change) => {
        this.fanout.push(change);
        this.emitChange(change);
      },
      initialized: () => {
        this.fanout.push({ type: 'initialized' });
        this.safeEmit('initialized');
      },
      resynced: () => {
        traceResynced(this.recipeName, this.path, this.client.sessionId);
        this.fanout.push({ type: 'resynced' });
        this.safeEmit('resynced');
      },
      error: (error) => this.safeEmit('error', error),
    });
  }

  /**
   * Which kind of watch feeds the cache once started: `one-shot` (re-armed by each read, every server) or
   * `persistent` (one recursive registration, ZooKeeper 3.6+). See docs/config.md.
   */
  get watchKind(): 'one-shot' | 'persistent' | undefined {
    return this.engine.watchKind;
  }

  /** Number of nodes held (the root included, when it exists). */
  get size(): number {
    return this.engine.size;
  }

  /** The node at `path` as last read, when held. */
  get(path: string): CachedNode | undefined {
    return this.engine.get(path);
  }

  /** Sorted names of the children of `path` held; `undefined` when `path` is not held or is at `maxDepth`. */
  children(path: string): string[] | undefined {
    return this.engine.children(path);
  }

  /** Every node held, parents before their children. */
  [Symbol.iterator](): IterableIterator<CachedNode> {
    return this.engine.nodes();
  }

  /**
   * Every event from now on, as an async iterator (ends on `close()`); `maxBuffered` keeps only the latest
   * events for a slow reader (it may then miss some: use the events or `get()` for exact state).
   */
  events(options?: AsyncQueueOptions): AsyncIterableIterator<TreeCacheEvent> {
    return this.fanout.iterate(options);
  }

  protected override onStart(): Promise<void> {
    return this.engine.start();
  }

  protected override async onClose(): Promise<void> {
    await this.engine.close();
    this.fanout.end();
  }

  private emitChange(change: CacheChange): void {
    switch (change.type) {
      case 'added':
        this.safeEmit('added', change);
        break;
      case 'updated':
        this.safeEmit('updated', change);
        break;
      case 'removed':
        this.safeEmit('removed', change);
        break;
    }
  }
}
