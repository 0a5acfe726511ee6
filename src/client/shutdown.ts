/**
 * What a client gives up on a graceful shutdown: held locks and leases, started recipes. They register
 * themselves while they hold something (through {@link ZooKeeperClient.releaseOnShutdown}), so that
 * `shutdown()` can hand everything over at once — successors take over in a round trip or two instead of
 * waiting out the session timeout of a process that just closed its socket.
 */
import { channels, traceClock, traceSince } from './channels';
import type { Logger } from './logger';

/** The outcome of {@link ShutdownRegistry.releaseAll}. */
export interface ReleaseOutcome {
  /** How many releases ran. */
  released: number;
  /** True when some had not settled by the deadline. */
  timedOut: boolean;
}

/** The releases registered with one client. */
export class ShutdownRegistry {
  private readonly releases = new Set<() => Promise<void>>();

  constructor(private readonly logger: Logger) {}

  /** Registers `release`; the function returned unregisters it (call it once released some other way). */
  add(release: () => Promise<void>): () => void {
    this.releases.add(release);
    return () => {
      this.releases.delete(release);
    };
  }

  /**
   * Runs every registered release in parallel and resolves once all settled or `timeoutMs` passed,
   * whichever comes first. Never rejects: a release that fails is logged, and the session close that
   * follows ends whatever it held anyway.
   */
  async releaseAll(timeoutMs: number, sessionId: string | undefined): Promise<ReleaseOutcome> {
    const started = traceClock(channels.shutdown);
    const releases = [...this.releases];
    this.releases.clear();
    const settled = Promise.all(
      releases.map((release) =>
        // Called from a then-callback: a release that throws synchronously rejects like any other.
        Promise.resolve()
          .then(release)
          .catch((error: unknown) => this.logger.warn({ err: error }, 'zookeeper shutdown: a release failed')),
      ),
    ).then(() => false);
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(true), timeoutMs);
    });
    const timedOut = await Promise.race([settled, deadline]);
    clearTimeout(timer);
    if (channels.shutdown.hasSubscribers) {
      channels.shutdown.publish({ sessionId, released: releases.length, timedOut, durationMs: traceSince(started) ?? 0 });
    }
    return { released: releases.length, timedOut };
  }

  /** Forgets every registration (the session is over: nothing is left to hand over). */
  clear(): void {
    this.releases.clear();
  }
}
