/** {@link Mutex}: Curator's InterProcessMutex for Node. */
import type { ZooKeeperClient } from '../../client/types';
import { mutexDriver } from './drivers';
import { SequentialLock } from './sequential-lock';
import type { LockOptions } from './types';

/** Options of a {@link Mutex}. */
export type MutexOptions = LockOptions;

/**
 * A distributed, fair (FIFO) mutual-exclusion lock, interoperable with Apache Curator's `InterProcessMutex`
 * on the same path (nodes `<path>/_c_<uuid>-lock-<seq10>`). An uncontended acquire takes one round trip, a
 * release one more. Reentrant within `withLock(fn)`: acquisitions of the same `Mutex` inside `fn` re-enter
 * the hold. Every other acquisition, also from concurrent async flows of this process, takes its own turn.
 *
 * Holding the lock is only certain while `handle.signal` is not aborted; pass `handle.fencingToken` to the
 * systems you write to (see docs/locks.md).
 *
 * @example
 * ```ts
 * const mutex = new Mutex(client, '/locks/billing');
 * await mutex.withLock(async ({ signal, fencingToken }) => {
 *   await chargeCustomers({ signal, fencingToken });
 * }, { timeoutMs: 10_000 });
 *
 * // or, with a handle:
 * await using lock = await mutex.acquire({ timeoutMs: 10_000 });
 * await lock.guardedTransaction().setData('/billing/state', 'done').commit();
 * ```
 */
export class Mutex extends SequentialLock {
  constructor(client: ZooKeeperClient, path: string, options?: MutexOptions) {
    super(client, path, mutexDriver, options, 'Mutex');
  }
}
