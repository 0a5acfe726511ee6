/**
 * {@link ReconcileLoop}: the engine of the recipes that keep looking at the server until what they want
 * holds there (a latch's place in line, a node that stays present, a group's view).
 */
import { isZkError } from '../../client/errors';
import type { ZooKeeperClient } from '../../client/types';
import { isWritable } from './session-owner';

/** Errors that only mean "look again once connected"; anything else is reported through `onError`. */
const CONNECTION_CODES = ['CONNECTION_LOSS', 'OPERATION_TIMEOUT', 'SESSION_EXPIRED', 'SESSION_MOVED', 'CLIENT_CLOSED'] as const;
const RETRY_MIN_MS = 50;
const RETRY_MAX_MS = 2000;

/** What a {@link ReconcileLoop} runs and whom it tells. */
export interface ReconcileLoopOptions {
  /** One look at the server; throws to be retried. May call {@link ReconcileLoop.kick} to ask for another look. */
  step: () => Promise<void>;
  /** Whether the owner still runs: once false, no step starts and no retry is scheduled. */
  active: () => boolean;
  /** A step failed for a reason other than the connection (it is retried all the same). */
  onError: (error: Error) => void;
}

/**
 * Runs `step` one at a time: {@link ReconcileLoop.kick} starts a step, or, while one runs, has another run
 * after it (any number of kicks meanwhile fold into that one). After a failed step it looks again after an
 * exponential backoff (50 ms doubling to 2 s, back to 50 ms after a step succeeds) while the client is
 * connected; while it is not, the owner's kick on `connected`/`reconnected` (or a watcher's resync) does.
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
  private retryDelayMs = RETRY_MIN_MS;

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
    this.again = true;
    if (this.running !== undefined) return;
    this.running = (async () => {
      try {
        while (this.again && this.options.active()) {
          this.again = false;
          try {
            await this.options.step();
            this.retryDelayMs = RETRY_MIN_MS;
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
    if (!isZkError(error, ...CONNECTION_CODES)) this.options.onError(error instanceof Error ? error : new Error(String(error)));
    // While connected, look again after a backoff; otherwise the next reconnect looks again. (An `onError`
    // listener may have closed the owner: then no timer.)
    if (this.options.active() && isWritable(this.client) && this.retryTimer === undefined) {
      const delayMs = this.retryDelayMs;
      this.retryDelayMs = Math.min(RETRY_MAX_MS, delayMs * 2);
      this.retryTimer = setTimeout(() => {
        this.retryTimer = undefined;
        this.kick();
      }, delayMs);
    }
  }
}
