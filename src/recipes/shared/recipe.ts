/**
 * {@link Recipe}: the base of every long-lived recipe (latches, selectors, persistent nodes, group members,
 * queue consumers, barriers, caches, service discovery). It owns the `latent → started → closed` lifecycle,
 * so that every recipe starts, fails and closes the same way.
 */
import { EventEmitter } from 'eventemitter3';
import { ZkError } from '../../client/errors';
import { validatePath } from '../../client/paths';
import type { ZooKeeperClient } from '../../client/types';
import { checkClient } from './check-client';
import { inUserTerms, RecipeStateError } from './errors';

/** A long-lived recipe's lifecycle, as Curator's: `latent → started → closed`. */
export type LifecycleState = 'latent' | 'started' | 'closed';

/** What every long-lived recipe offers, whatever its events: the lifecycle the contract suite checks. */
export interface LongLived extends AsyncDisposable {
  /** `latent` until `start()`, `started` until `close()`, then `closed`. */
  readonly state: LifecycleState;
  /** Starts; resolves once the recipe works (each recipe's class documentation says how it fails). */
  start(): Promise<void>;
  /** Stops and releases what the recipe holds; idempotent, one shared promise. */
  close(): Promise<void>;
}

/** Events every long-lived recipe has. */
export interface RecipeEvents {
  /**
   * Background work failed for a reason other than the connection (the recipe keeps trying). Failures of
   * `start()` and of calls made by the user reject their promises instead.
   */
  error: (error: Error) => void;
}

/** A listener map: event name → listener signature. */
type ListenerMap<E> = { [K in keyof E]: (...args: never[]) => void };

/**
 * Base class of long-lived recipes. While started, a recipe is registered with its client's graceful
 * shutdown (`client.shutdown()` closes it). Subclasses implement {@link Recipe.onStart} (resolve once the recipe
 * works; throw to fail the start) and {@link Recipe.onClose} (release what the recipe holds; never throws).
 *
 * - `start()` runs once: a second call, or a call after `close()`, rejects with {@link RecipeStateError};
 *   on a closed client it rejects with `CLIENT_CLOSED`. `onStart` rides out connection trouble itself (it
 *   waits for the connection); when it throws, the recipe closes itself and `start()` rejects with that error.
 * - `close()` runs `onClose` once; every caller gets the same promise.
 * - Every method that returns a promise reports through it, never by throwing synchronously.
 *
 * @example
 * ```ts
 * class Heartbeat extends Recipe<HeartbeatEvents> {
 *   protected async onStart() { await this.client.create(this.path, '', { mode: 'ephemeral' }); }
 *   protected async onClose() { await this.client.delete(this.path).catch(() => undefined); }
 * }
 * ```
 */
export abstract class Recipe<Events extends ListenerMap<Events> & RecipeEvents = RecipeEvents>
  extends EventEmitter<Events>
  implements LongLived
{
  /** The recipe's path (relative to the client's namespace). */
  readonly path: string;
  /** The client the recipe works through. */
  protected readonly client: ZooKeeperClient;
  private lifecycle: LifecycleState = 'latent';
  private closing: Promise<void> | undefined;
  private unregisterShutdown: (() => void) | undefined;

  /** Checks `client` and `path` (a subclass adds its own rules); does no I/O. */
  protected constructor(
    client: unknown,
    path: string,
    /** The class name, used in messages (`GroupMember /groups/api: ...`). */
    protected readonly recipeName: string,
  ) {
    super();
    checkClient(client, recipeName);
    validatePath(path, `${recipeName} path`);
    this.client = client;
    this.path = path;
  }

  /** `latent` until `start()`, `started` until `close()`, then `closed`. */
  get state(): LifecycleState {
    return this.lifecycle;
  }

  /** True while started (background work should stop once this turns false). */
  protected get active(): boolean {
    return this.lifecycle === 'started';
  }

  /** Starts the recipe; resolves once it works. See the class comment for how it fails. */
  start(): Promise<void> {
    if (this.lifecycle !== 'latent') {
      return Promise.reject(new RecipeStateError(`${this.what}: start() called when ${this.lifecycle}`));
    }
    if (this.client.state === 'closed') {
      this.lifecycle = 'closed';
      this.closing = Promise.resolve();
      return Promise.reject(this.clientClosedError());
    }
    this.lifecycle = 'started';
    // The client's shutdown() closes every started recipe, so that a latch or a member hands over at once.
    this.unregisterShutdown = this.client.releaseOnShutdown(() => this.close());
    return this.runStart();
  }

  /** Stops the recipe and releases what it holds; idempotent, concurrent callers share one promise. */
  close(): Promise<void> {
    if (this.closing === undefined) {
      const wasStarted = this.lifecycle === 'started';
      this.lifecycle = 'closed';
      this.unregisterShutdown?.();
      this.closing = wasStarted ? this.onClose() : Promise.resolve();
    }
    return this.closing;
  }

  /** Same as `close()`, for `await using`. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  /** What this recipe is, for messages: its class name and path. */
  protected get what(): string {
    return `${this.recipeName} ${this.path}`;
  }

  /** Brings the recipe to work; runs once, from `start()`. */
  protected abstract onStart(): Promise<void>;

  /** Releases what the recipe holds; runs once, from the first `close()` after a `start()`. Must not throw. */
  protected abstract onClose(): Promise<void>;

  /**
   * Emits an event; a listener that throws does not break the recipe: its error goes to `error` (and an
   * `error` listener that throws is ignored).
   */
  protected safeEmit<E extends keyof Events & (string | symbol)>(event: E, ...args: Parameters<Events[E]>): void {
    try {
      (this.emit as unknown as (event: E, ...rest: Parameters<Events[E]>) => boolean)(event, ...args);
    } catch (error) {
      if (event !== 'error') this.safeEmit('error' as E, ...([toError(error)] as Parameters<Events[E]>));
    }
  }

  /** Rejects with {@link RecipeStateError} unless started (for methods that return a promise). */
  protected whenStarted(operation: string): Promise<void> {
    if (this.lifecycle === 'started') return Promise.resolve();
    return Promise.reject(new RecipeStateError(`${this.what}: ${operation} needs a started recipe (it is ${this.lifecycle})`));
  }

  /** The error for a recipe used through a closed client, in the user's terms, with the code `CLIENT_CLOSED`. */
  protected clientClosedError(cause?: unknown): ZkError {
    return new ZkError(`${this.what}: client closed`, { code: 'CLIENT_CLOSED', operation: 'connect', path: this.path, cause });
  }

  private async runStart(): Promise<void> {
    try {
      await this.onStart();
    } catch (error) {
      await this.close();
      throw inUserTerms(this.what, this.path, error);
    }
    if (this.lifecycle === 'closed') throw new RecipeStateError(`${this.what}: closed while starting`);
  }
}

/** `error` as an Error (wraps anything else thrown). */
export function toError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}
