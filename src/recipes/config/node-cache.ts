/** {@link NodeCache}: one node's data and stat, kept current (Curator's NodeCache). */
import type { ZooKeeperClient } from '../../client/types';
import { booleanOption, optionsObject } from '../shared/options';
import type { CacheChange, CachedNode } from './cache-engine';
import { SingleNodeRecipe, type SingleNodeEvents } from './single-node-recipe';

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

/** Events of a {@link NodeCache}: `change` when the node was created, changed or deleted; `resynced`; `error`. */
export type NodeCacheEvents = SingleNodeEvents<NodeChange>;

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
export class NodeCache extends SingleNodeRecipe<NodeChange, CachedNode | undefined, NodeCacheEvents> {
  /** Checks the arguments; does no I/O. */
  constructor(client: ZooKeeperClient, path: string, options?: NodeCacheOptions) {
    super(client, path, 'NodeCache', resolveNodeCacheOptions(options).dataIncluded);
  }

  /** The node as last read; `undefined` when it does not exist (or before `start()` resolved). */
  get current(): CachedNode | undefined {
    return this.engine.get(this.path);
  }

  protected override waitState(): CachedNode | undefined {
    return this.current;
  }

  protected override onNodeChange(change: CacheChange): void {
    this.publish(
      change.type === 'added'
        ? { current: change.node, previous: undefined, resync: change.resync }
        : change.type === 'updated'
          ? { current: change.node, previous: change.previous, resync: change.resync }
          : { current: undefined, previous: change.node, resync: change.resync },
    );
  }
}
