/** {@link NodeCache}: one node's data and stat, kept current (Curator's NodeCache). */
import { Fanout, type AsyncQueueOptions } from '../../client/async-queue';
import { validatePath } from '../../client/paths';
import type { WaitOptions, ZooKeeperClient } from '../../client/types';
import { validateWaitOptions } from '../../client/validate';
import { Recipe, type RecipeEvents } from '../shared/recipe';
import { CacheEngine, type CacheChange, type CachedNode } from './cache-engine';
import { RecipeStateError } from '../shared/errors';
import { booleanOption, optionsObject } from '../shared/options';
import { Waiters } from '../shared/waiters';
import { timeoutError } from './errors';

/** Options of a {@link NodeCache}. */
export interface NodeCacheOptions {
  /** Keep the node's data (else only its stat). @default true */
  dataIncluded?: boolean;
}

/** A change of the cached node: what it is now and what it was (`undefined`: it does not exist). */
export interface NodeChange {
  /** The node now (`undefined` once deleted). */
  readonly current: CachedNode | undefined;
  /** The node before (`undefined` when it did not exist). */
  readonly previous: CachedNode | undefined;
  /** True when a re-read after a gap (reconnect, new session) found the change rather than a watch. */
  readonly resync: boolean;
}

/** Events of a {@link NodeCache}. */
export interface NodeCacheEvents extends RecipeEvents {
  /** The node was created, changed or deleted. */
  change: (change: NodeChange) => void;
  /** A re-read after a gap is done (whether or not it found a change). */
  resynced: () => void;
}

/** The resolved options of a {@link NodeCache}. */
interface ResolvedNodeCacheOptions {
  dataIncluded: boolean;
}

/** Checks {@link NodeCacheOptions} and fills in defaults. */
export function resolveNodeCacheOptions(options: NodeCacheOptions | undefined): ResolvedNodeCacheOptions {
  const given = optionsObject(options, 'NodeCache');
  return { dataIncluded: booleanOption(given.dataIncluded, 'dataIncluded', 'NodeCache', true) };
}

/**
 * The current data and stat of one node, which may not exist yet: read on `start()`, then kept current by
 * watches; re-read after every reconnect and session loss, reporting only what changed (marked `resync`).
 * Rapid writes may be coalesced (a watch reports that the node changed, the read that follows sees the latest
 * value), but a change never reports a value older than one already reported.
 *
 * @example
 * ```ts
 * const cache = new NodeCache(client, '/config/feature-flags');
 * cache.on('change', ({ current }) => reload(current?.data));
 * await cache.start();                 // resolves once the node was read (or found missing)
 * console.log(cache.current?.data?.toString());
 * for await (const { current } of cache.changes()) apply(current);
 * ```
 */
export class NodeCache extends Recipe<NodeCacheEvents> {
  private readonly engine: CacheEngine;
  private readonly fanout = new Fanout<NodeChange>();
  private readonly waiters = new Waiters<CachedNode | undefined>();

  /** Checks the arguments; does no I/O. */
  constructor(client: ZooKeeperClient, path: string, options?: NodeCacheOptions) {
    super(client, path, 'NodeCache');
    validatePath(path);
    const { dataIncluded } = resolveNodeCacheOptions(options);
    this.engine = new CacheEngine(this.client, path, { maxDepth: 0, dataIncluded, maxInFlight: 1 }, {
      change: (change) => this.onChange(change),
      initialized: () => undefined,
      resynced: () => this.safeEmit('resynced'),
      error: (error) => this.safeEmit('error', error),
    });
  }

  /** The node as last read; `undefined` when it does not exist (or before `start()` resolved). */
  get current(): CachedNode | undefined {
    return this.engine.get(this.path);
  }

  /**
   * Every change from now on, as an async iterator (ends on `close()`). Each iterator buffers on its own;
   * `maxBuffered` keeps only the latest changes for a slow reader.
   */
  changes(options?: AsyncQueueOptions): AsyncIterableIterator<NodeChange> {
    return this.fanout.iterate(options);
  }

  /**
   * Resolves with the node once `predicate` holds for it (checked now and on every change); rejects with
   * `ConfigTimeoutError` after `timeoutMs` and with `signal.reason` on abort.
   */
  async waitFor(predicate: (node: CachedNode | undefined) => boolean, options?: WaitOptions): Promise<CachedNode | undefined> {
    validateWaitOptions(options);
    await this.whenStarted('waitFor()');
    if (predicate(this.current)) return this.current;
    return this.waiters.wait(options, () => timeoutError(this.what, this.path, options), predicate);
  }

  protected override onStart(): Promise<void> {
    return this.engine.start();
  }

  protected override async onClose(): Promise<void> {
    await this.engine.close();
    this.fanout.end();
    this.waiters.failAll(new RecipeStateError(`${this.what}: closed while waiting`));
  }

  private onChange(change: CacheChange): void {
    const event: NodeChange =
      change.type === 'added'
        ? { current: change.node, previous: undefined, resync: change.resync }
        : change.type === 'updated'
          ? { current: change.node, previous: change.previous, resync: change.resync }
          : { current: undefined, previous: change.node, resync: change.resync };
    this.fanout.push(event);
    this.safeEmit('change', event);
    this.waiters.wake(event.current);
  }
}
