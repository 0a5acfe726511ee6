/** {@link ReadLimiter}: bounds the reads a cache has in flight, in first-come order. */

/**
 * Runs tasks with at most `max` running at once, starting them in the order they were handed in. The order
 * matters: ZooKeeper answers one session's requests in the order they were sent, so a cache that sends a
 * parent's read before its children's gets the parent's answer first.
 */
export class ReadLimiter {
  private running = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(private readonly max: number) {}

  /** Runs `task` once a slot is free; resolves or rejects as it does. */
  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.running < this.max) this.running += 1;
    // A finishing task hands its slot straight to the first waiter, so later arrivals cannot overtake it.
    else await new Promise<void>((resolve) => this.waiting.push(resolve));
    try {
      return await task();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.running -= 1;
    }
  }
}
