/** {@link DistributedBarrier}: Curator's DistributedBarrier for Node. */
import { Deadline } from '../../client/deadline';
import { isZkError } from '../../client/errors';
import { validatePath } from '../../client/paths';
import type { WaitOptions, ZooKeeperClient } from '../../client/types';
import { validateWaitOptions } from '../../client/validate';
import { checkClient } from '../shared/check-client';
import { waitForNodeChange } from '../shared/wait-for-change';
import { barrierTimeout } from './errors';

/**
 * A barrier that holds waiters while its node exists: `set()` raises it, `remove()` lowers it, `wait()`
 * returns once it is down (at once when it is not set). Waiting costs one read with a watch, and another
 * only when the node changes without being deleted. Same node as Curator's DistributedBarrier: `<path>`.
 *
 * @example
 * ```ts
 * const gate = new DistributedBarrier(client, '/barriers/deploy');
 * await gate.set();                      // the coordinator raises it
 * await gate.wait({ timeoutMs: 60_000 }); // workers wait here ...
 * await gate.remove();                   // ... until the coordinator lowers it
 * ```
 */
export class DistributedBarrier {
  /** The barrier node's path (relative to the client's namespace). */
  readonly path: string;
  private readonly client: ZooKeeperClient;

  /** Checks the arguments; does no I/O. */
  constructor(client: ZooKeeperClient, path: string) {
    checkClient(client, 'DistributedBarrier');
    validatePath(path);
    if (path === '/') throw new TypeError('path must not be the root: a barrier needs a node of its own');
    this.client = client;
    this.path = path;
  }

  /** Raises the barrier (creates its node and missing parents); already set is fine. */
  async set(): Promise<void> {
    await this.client.create(this.path, undefined, { createParents: true }).catch((error: unknown) => {
      if (!isZkError(error, 'NODE_EXISTS')) throw error;
    });
  }

  /** Lowers the barrier (deletes its node), releasing every waiter; not set is fine. */
  async remove(): Promise<void> {
    await this.client.delete(this.path).catch((error: unknown) => {
      if (!isZkError(error, 'NO_NODE')) throw error;
    });
  }

  /**
   * Resolves once the barrier is down; rejects with {@link BarrierTimeoutError} after `timeoutMs`, with
   * `signal.reason` on abort. Leaves nothing behind but the one-shot watch of the last read.
   */
  async wait(options?: WaitOptions): Promise<void> {
    validateWaitOptions(options);
    const deadline = Deadline.from(options);
    const onTimeout = (): Error => barrierTimeout(`DistributedBarrier ${this.path}`, this.path, options?.timeoutMs ?? Number.POSITIVE_INFINITY);
    for (;;) {
      deadline.throwIfAborted();
      if (deadline.expired()) throw onTimeout();
      const outcome = await waitForNodeChange(this.client, this.path, { deadline, onTimeout, sessionId: undefined });
      if (outcome === 'deleted') return;
    }
  }
}
