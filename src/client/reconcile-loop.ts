/**
 * {@link ReconcileLoop}: the one background loop of this package: whatever keeps looking at the server
 * until what it wants holds there (a watcher's current value, a latch's place in line, a node that stays
 * present, a group's view) runs its look through it.
 */
import { Backoff } from './backoff';
import { isConnectionTrouble } from './errors';
import { isWritable } from './protected-create';
import type { ZooKeeperClient } from './types';

/** What a {@link ReconcileLoop} runs and whom it tells. */
export interface ReconcileLoopOptions {
  /** One look at the server; throws to be retried. May call {@link ReconcileLoop.kick} to ask for another look. */
  step: () => Promise<void>;
  /** Whether the owner still runs: once false, no step starts and no retry is scheduled. */
  active: () => boolean;
  /** A step failed for a reason other than the connection. */
  onError: (error: Error) => void;
  /**
   * Whether a failed step is looked at again after a backoff (while `canRetry()`), or only on the owner's
   * next kick. @default every failure
   */
  retries?: (error: unknown) => boolean;
  /** Whether a retry may be scheduled now. @default the client is connected and writable */
  canRetry?: () => boolean;
}

/**
 * Runs `step` one at a time: {@link ReconcileLoop.kick} starts a step, or, while one runs, has another run
 * after it (any number of kicks meanwhile fold into that one). After a failed step it looks again after the
 * {@link Backoff} schedule while the client is connected; while it is not, the owner's kick on
 * `connected`/`reconnected` (or a watcher's resync) does.
 *
 * @example
 * ```ts
 * const loop = new ReconcileLoop(client, { step: () => this.check(), active: () => this.started, onError: report });
 * client.on('state', (state) => { if (state === 'connected' || state === 'reconnected') loop.kick(); });
 * loop.kick();
 * // on close: stop being active, then
 * loop.stop();
 * ```
 */
export class ReconcileLoop {
  private running: Promise<void> | undefined;
  private again = false;
  private retryTimer: NodeJS.Timeout | undefined;
  private readonly backoff = new Backoff();

  /** Does no I/O; nothing runs before the first {@link ReconcileLoop.kick}. */
  constructor(
    private readonly client: Pick<ZooKeeperClient, 'state'>,
    private readonly options: ReconcileLoopOptions,
  ) {}

  /** True while a step runs (or is about to run again). */
  get busy(): boolean {
    return this.running !== undefined;
  }

  /** Asks for a look: runs a step now, or after the one running. Does nothing once not active. */
  kick(): void {
    if (!this.options.active()) return;
    this.stop(); // a look is coming: a scheduled retry would only repeat it
    this.again = true;
    if (this.running !== undefined) return;
    this.running = (async () => {
      try {
        while (this.again && this.options.active()) {
          this.again = false;
          try {
            await this.options.step();
            this.backoff.reset();
          } catch (error) {
            if (this.options.active()) this.onFailure(error);
          }
        }
      } finally {
        this.running = undefined;
      }
    })();
  }

  /** Cancels a scheduled retry (call on close, after `active()` turned false): leaves no timer behind. */
  stop(): void {
    clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
  }

  private onFailure(error: unknown): void {
    if (!isConnectionTrouble(error)) this.options.onError(error instanceof Error ? error : new Error(String(error)));
    if (this.options.retries?.(error) === false) return;
    // While connected, look again after a backoff; otherwise the next reconnect looks again. (An `onError`
    // listener may have closed the owner: then no timer.)
    const canRetry = this.options.canRetry ?? (() => isWritable(this.client));
    if (this.options.active() && canRetry() && this.retryTimer === undefined) {
      this.retryTimer = setTimeout(() => {
        this.retryTimer = undefined;
        this.kick();
      }, this.backoff.next());
    }
  }
}
