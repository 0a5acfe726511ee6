/** {@link Subscribers}: the async iterators of a stream of values (watchers' changes, persistent watch events). */

interface Subscriber<T> {
  queue: T[];
  wake: (() => void) | undefined;
}

/** Fans values out to every async iterator taken from it, each with its own queue, until ended. */
export class Subscribers<T> {
  private readonly subscribers = new Set<Subscriber<T>>();
  private ended = false;
  private failure: Error | undefined;

  /** Queues `value` for every iterator. */
  push(value: T): void {
    for (const subscriber of this.subscribers) {
      subscriber.queue.push(value);
      subscriber.wake?.();
    }
  }

  /** Ends every iterator once it has drained its queue; with `error`, they throw it then. */
  end(error?: Error): void {
    this.ended = true;
    this.failure ??= error;
    for (const subscriber of this.subscribers) subscriber.wake?.();
  }

  /** An iterator that yields `initial` and then every value pushed, until {@link Subscribers.end}. */
  async *iterate(initial: T[]): AsyncGenerator<T> {
    const subscriber: Subscriber<T> = { queue: initial, wake: undefined };
    this.subscribers.add(subscriber);
    try {
      for (;;) {
        while (subscriber.queue.length > 0) yield subscriber.queue.shift()!;
        if (this.failure) throw this.failure;
        if (this.ended) return;
        await new Promise<void>((resolve) => (subscriber.wake = resolve));
        subscriber.wake = undefined;
      }
    } finally {
      this.subscribers.delete(subscriber);
    }
  }
}
