/**
 * The one-shot watches an acquisition keeps on the nodes ahead of its own. A waiter watches its predecessor
 * and the node before it; when one of them goes it may wait on for the other, whose watch is still armed.
 * Keeping the watches from one wait to the next means each node is watched once per acquisition: no second
 * request, and no second notification, for the same deletion.
 */
import type { Deadline } from '../../client/deadline';
import { isZkError } from '../../client/errors';
import type { WatchEvent, ZooKeeperClient } from '../../client/types';
import { oneShotWatch, opOptions, type OneShotWatch } from '../shared/wait-for-change';

interface Entry extends OneShotWatch {
  /** The `getData` that set the watch, once sent. */
  armed?: Promise<void>;
}

/** Watches of one acquisition, by node path. */
export class NodeWatches {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly client: ZooKeeperClient) {}

  /** The watch of `path` (not armed yet when new): `fired` resolves with its notification. */
  get(path: string): { readonly fired: Promise<WatchEvent> } {
    let entry = this.entries.get(path);
    if (entry === undefined) {
      entry = oneShotWatch();
      this.entries.set(path, entry);
    }
    return entry;
  }

  /**
   * Sets the watch of `path` on the server, once: resolves when it is set. A node that is gone already fires
   * it as deleted. getData, not exists: no watch is left behind on a node that is already gone.
   */
  arm(path: string, deadline: Deadline): Promise<void> {
    const entry = this.get(path) as Entry;
    entry.armed ??= this.client.getData(path, { watch: entry.watch, ...opOptions(deadline) }).then(
      () => undefined,
      (error: unknown) => {
        if (!isZkError(error, 'NO_NODE')) throw error;
        entry.watch({ type: 'deleted', path });
      },
    );
    return entry.armed;
  }

  /** Drops the watch of `path` (it fired): a node is never watched twice. */
  forget(path: string): void {
    this.entries.delete(path);
  }

  /**
   * Drops every watch (a connection change or failed request put them in doubt): the next wait sets its
   * watches again. A dropped watch that fires later is ignored.
   */
  clear(): void {
    this.entries.clear();
  }
}
