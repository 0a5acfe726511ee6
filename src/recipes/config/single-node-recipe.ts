/**
 * {@link SingleNodeRecipe}: what {@link NodeCache} and the typed value recipes share — one node kept by the
 * cache engine, its changes as events and as async iterators, and `waitFor()` on its state.
 */
import { Fanout, type AsyncQueueOptions } from '../../client/async-queue';
import { validatePath } from '../../client/paths';
import type { WaitOptions, ZooKeeperClient } from '../../client/types';
import { validateWaitOptions } from '../../client/validate';
import { RecipeStateError } from '../shared/errors';
import { Recipe, type RecipeEvents } from '../shared/recipe';
import { Waiters } from '../shared/waiters';
import { CacheEngine, traceResynced, type CacheChange } from './cache-engine';
import { timeoutError } from './errors';

/** Events every single-node recipe has, `C` being what a change carries. */
export interface SingleNodeEvents<C> extends RecipeEvents {
  /** The node (or the value it holds) changed. */
  change: (change: C) => void;
  /** A re-read after a gap (reconnect, new session) is done, whether or not it found a change. */
  resynced: () => void;
}

/**
 * Base of the single-node recipes: `C` is what a change event carries, `S` the state `waitFor()` tests.
 * Subclasses turn the engine's changes into theirs ({@link SingleNodeRecipe.onNodeChange}) and report them
 * with {@link SingleNodeRecipe.publish}.
 */
export abstract class SingleNodeRecipe<
  C,
  S,
  E extends SingleNodeEvents<C> & { [K in keyof E]: (...args: never[]) => void } = SingleNodeEvents<C>,
> extends Recipe<E> {
  protected readonly engine: CacheEngine;
  private readonly fanout = new Fanout<C>();
  private readonly waiters = new Waiters<S>();

  protected constructor(client: ZooKeeperClient, path: string, recipeName: string, dataIncluded: boolean) {
    super(client, path, recipeName);
    validatePath(path);
    this.engine = new CacheEngine(this.client, path, { maxDepth: 0, dataIncluded, maxInFlight: 1 }, {
      change: (change) => this.onNodeChange(change),
      initialized: () => undefined,
      resynced: () => {
        traceResynced(this.recipeName, this.path, this.client.sessionId);
        this.emitAny('resynced');
      },
      error: (error) => this.emitAny('error', error),
    });
  }

  /** Which kind of watch feeds the recipe once started: `one-shot` or `persistent` (see docs/config.md). */
  get watchKind(): 'one-shot' | 'persistent' | undefined {
    return this.engine.watchKind;
  }

  /**
   * Every change from now on, as an async iterator (ends on `close()`). Each iterator buffers on its own;
   * `maxBuffered` keeps only the latest changes for a slow reader.
   */
  changes(options?: AsyncQueueOptions): AsyncIterableIterator<C> {
    return this.fanout.iterate(options);
  }

  /**
   * Resolves with the state once `predicate` holds for it (checked now and after every change); rejects with
   * `ConfigTimeoutError` after `timeoutMs`, with `signal.reason` on abort, and with `RecipeStateError` when
   * the recipe closes first.
   */
  async waitFor(predicate: (state: S) => boolean, options?: WaitOptions): Promise<S> {
    validateWaitOptions(options);
    await this.whenStarted('waitFor()');
    const now = this.waitState();
    if (predicate(now)) return now;
    return this.waiters.wait(options, () => timeoutError(this.what, this.path, options), predicate);
  }

  /** The state `waitFor()` tests. */
  protected abstract waitState(): S;

  /** Turns a change of the node into the recipe's own (and reports it with {@link SingleNodeRecipe.publish}). */
  protected abstract onNodeChange(change: CacheChange): void;

  /** Reports a change: iterators, the `change` event, then the waits. */
  protected publish(change: C): void {
    this.fanout.push(change);
    this.emitAny('change', change);
    this.waiters.wake(this.waitState());
  }

  protected override onStart(): Promise<void> {
    return this.engine.start();
  }

  protected override async onClose(): Promise<void> {
    await this.engine.close();
    this.fanout.end();
    this.waiters.failAll(new RecipeStateError(`${this.what}: closed while waiting`));
  }

  /** `safeEmit` for the events this base knows (a subclass's event map only adds to them). */
  private emitAny(event: 'change' | 'resynced' | 'error', ...args: unknown[]): void {
    (this.safeEmit as (event: string, ...rest: unknown[]) => void)(event, ...args);
  }
}
