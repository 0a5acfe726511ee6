/** {@link ClientWatchers}: the watchers a client started, so that its close closes them. */
import type { Connection } from './connection';
import { ZkError } from './errors';
import type { ResolvedOptions } from './options';
import type { OperationGate, OperationRunner } from './operation-runner';
import { PersistentWatch } from './persistent-watcher';
import type { PersistentWatchMode, ZooKeeperClient } from './types';
import type { RearmingWatcher } from './watchers';

/** Starts a client's watchers and keeps each until it closes; a closed client starts none. */
export class ClientWatchers {
  /** The re-arming watchers (data, children, exists) still open. */
  readonly rearming = new Set<RearmingWatcher<unknown>>();
  private readonly persistent = new Set<PersistentWatch>();

  constructor(
    private readonly client: ZooKeeperClient,
    private readonly gate: OperationGate,
    private readonly runner: OperationRunner,
    private readonly connection: Connection,
    private readonly options: ResolvedOptions,
  ) {}

  track<T>(watcher: RearmingWatcher<T>): RearmingWatcher<T> {
    if (this.gate.closed) {
      // Reported where a watcher reports: its ready() rejects and its iterators end.
      void watcher.close(ZkError.of('CLIENT_CLOSED', 'getData', watcher.path));
      return watcher;
    }
    this.rearming.add(watcher as RearmingWatcher<unknown>);
    watcher.onClosed = () => this.rearming.delete(watcher as RearmingWatcher<unknown>);
    watcher.start();
    return watcher;
  }

  /** Starts a persistent watch on `path` (arguments validated by the caller; throws once the client is closed). */
  addPersistent(path: string, mode: PersistentWatchMode): PersistentWatch {
    if (this.gate.closed) throw ZkError.of('CLIENT_CLOSED', 'addWatch', path);
    const { runner, connection } = this;
    const watcher = new PersistentWatch(this.client, path, mode, {
      add: (listener, deadline) =>
        runner.execute('addWatch', path, deadline, true, (wire) => wire.addWatch(runner.full(path), mode, runner.persistentListener(listener))),
      remove: async (listener) => {
        // Best effort: a watch the server still has after a failure only costs notifications nobody hears.
        const wire = connection.session;
        await wire?.removeWatches(runner.full(path), mode, !connection.isLive, runner.persistentListener(listener)).catch(() => undefined);
      },
      timeoutMs: this.options.operationTimeoutMs,
    });
    this.persistent.add(watcher);
    watcher.onClosed = () => this.persistent.delete(watcher);
    watcher.start();
    return watcher;
  }

  /** Closes every watcher still open (the client is closing). */
  async closeAll(): Promise<void> {
    await Promise.all([...this.rearming, ...this.persistent].map((watcher) => watcher.close()));
  }
}
