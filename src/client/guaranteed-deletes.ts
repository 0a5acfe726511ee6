/**
 * Background retries of guaranteed deletes: a delete that failed for connection reasons (or on a read-only
 * server) is tried again, across reconnects and new sessions, until the node is gone (as Curator's `guaranteed()`), so that a
 * released lock node never lingers.
 */
import { delay } from './deadline';
import { isZkError, mayRecover } from './errors';
import type { RetryPolicy } from './options';
import type { ZooKeeperClient } from './types';

/**
 * Whether a failed guaranteed delete is tried again: connection trouble (it may yet go through, or already
 * did), and a read-only server's refusal, which ends once the client is on a read/write server again.
 * Anything else — gone already (NO_NODE), changed under us (BAD_VERSION), not allowed, not empty — will not
 * get better by retrying.
 */
export function worthRetrying(error: unknown): boolean {
  return mayRecover(error) || isZkError(error, 'NOT_READ_ONLY');
}

/** The set of paths still to delete, and the one loop that works through it. */
export class GuaranteedDeletes {
  private readonly pending = new Map<string, { version: number; recursive: boolean }>();
  private readonly stopper = new AbortController();
  private running = false;

  constructor(
    private readonly client: Pick<ZooKeeperClient, 'delete' | 'waitForConnection'>,
    private readonly policy: Required<RetryPolicy>,
  ) {}

  /** Number of deletes still pending. */
  get size(): number {
    return this.pending.size;
  }

  /** Adds a path (client path, namespace not applied) to delete at `version`, with its subtree if `recursive`. */
  add(path: string, version: number, recursive = false): void {
    if (this.stopper.signal.aborted) return;
    this.pending.set(path, { version, recursive });
    if (!this.running) void this.drain();
  }

  /** Stops retrying (the client is closing). */
  stop(): void {
    this.stopper.abort();
    this.pending.clear();
  }

  private async drain(): Promise<void> {
    this.running = true;
    let backoff = this.policy.minDelayMs;
    const { signal } = this.stopper;
    try {
      while (this.pending.size > 0 && !signal.aborted) {
        await this.client.waitForConnection({ signal }).catch(() => undefined);
        for (const [path, { version, recursive }] of [...this.pending]) {
          if (signal.aborted) return;
          try {
            await this.client.delete(path, { version, recursive });
            this.pending.delete(path);
          } catch (error) {
            if (!worthRetrying(error)) this.pending.delete(path);
          }
        }
        if (this.pending.size > 0) {
          await delay(backoff, signal).catch(() => undefined);
          backoff = Math.min(this.policy.maxDelayMs, backoff * this.policy.factor);
        }
      }
    } finally {
      this.running = false;
    }
  }
}
