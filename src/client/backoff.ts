/**
 * {@link Backoff}: the one schedule for "try again later" in the background (a recipe's reconcile loop, a
 * watcher's re-read, a selector's next turn). The client's own request retries follow its `retry` policy
 * instead (see retry.ts): those are bounded by a deadline a caller chose.
 */

/** First pause after a failure. */
export const BACKOFF_MIN_MS = 50;
/** Longest pause: a recipe keeps looking at least this often while the failure lasts. */
export const BACKOFF_MAX_MS = 2000;

/** Exponential backoff: 50 ms, doubling up to 2 s, back to 50 ms after {@link Backoff.reset}. */
export class Backoff {
  private nextMs = BACKOFF_MIN_MS;

  /** The pause to make now; each call doubles the next one (up to the maximum). */
  next(): number {
    const delayMs = this.nextMs;
    this.nextMs = Math.min(BACKOFF_MAX_MS, delayMs * 2);
    return delayMs;
  }

  /** After a success: the next failure pauses the minimum again. */
  reset(): void {
    this.nextMs = BACKOFF_MIN_MS;
  }
}
