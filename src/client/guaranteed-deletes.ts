/**
 * Background retries of guaranteed deletes: a delete that failed for connection reasons is tried again,
 * across reconnects and new sessions, until the node is gone (as Curator's `guaranteed()`), so that a
 * released lock node never lingers.
 */
import { delay } from './deadline';
import { isZkError } from './errors';
import type { RetryPolicy } from './options';
import type { ZooKeeperClient } from './types';

/** The set of paths still to delete, and the one loop that works through it. */
export class GuaranteedDeletes {
  private readonly pending = new Map<string, number>();
  private readonly stopper = new AbortController();
  private running = false;

  constructor(
    private readonly client: Pick<ZooKeeperClient, 'delete' | 'waitConnected'>,
    private readonly policy: Required<RetryPolicy>,
  ) {}

  /** Number of deletes still pending. */
  get size(): number {
    return this.pending.size;
  }

  /** Adds a path (client path, namespace not applied) to delete at `version`. */
  add(path: string, version: number): void {
    if (this.stopper.signal.aborted) return;
    this.pending.set(path, version);
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
        await this.client.waitConnected({ signal }).catch(() => undefined);
        for (const [path, version] of [...this.pending]) {
          if (signal.aborted) return;
          try {
            await this.client.delete(path, { version });
            this.pending.delete(path);
          } catch (error) {
            // Gone already, or changed under us (a version that no longer matches can never succeed).
            if (isZkError(error, 'NO_NODE', 'BAD_VERSION', 'CLIENT_CLOSED', 'NO_AUTH')) this.pending.delete(path);
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
