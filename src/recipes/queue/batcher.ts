/**
 * {@link Batcher}: sends requests of one kind as batches, one batch in flight at a time. A request made
 * while a batch is out waits for its reply and goes with every other request made meanwhile in the next
 * batch — so a lone request goes out at once, and a busy queue sends one request (a transaction) for many
 * items instead of one per item. Requests keep their order from batch to batch.
 */

interface Entry<Req, Res> {
  request: Req;
  resolve: (result: Res) => void;
  reject: (error: unknown) => void;
}

/** Collects requests and hands them to `send` in batches (see the module comment). */
export class Batcher<Req, Res> {
  private readonly pending: Entry<Req, Res>[] = [];
  private flushing = false;

  constructor(
    /** Sends one batch; resolves with one result per request, in order, or rejects for the whole batch. */
    private readonly send: (batch: Req[]) => Promise<Res[]>,
    /** How many requests fit one batch (given the requests waiting, in order). */
    private readonly take: (waiting: readonly Req[]) => number,
  ) {}

  /** Queues a request; resolves with its result. */
  submit(request: Req): Promise<Res> {
    return new Promise<Res>((resolve, reject) => {
      this.pending.push({ request, resolve, reject });
      if (!this.flushing) {
        this.flushing = true;
        // After the current turn, so that requests made together (several workers starting) go together.
        queueMicrotask(() => void this.flush());
      }
    });
  }

  private async flush(): Promise<void> {
    while (this.pending.length > 0) {
      const count = Math.max(1, this.take(this.pending.map((entry) => entry.request)));
      const batch = this.pending.splice(0, count);
      try {
        const results = await this.send(batch.map((entry) => entry.request));
        batch.forEach((entry, i) => entry.resolve(results[i] as Res));
      } catch (error) {
        for (const entry of batch) entry.reject(error);
      }
    }
    this.flushing = false;
  }
}
