/** {@link SemaphoreMutex}: Curator's InterProcessSemaphoreMutex for Node. */
import type { ZooKeeperClient } from '../../client/types';
import { Semaphore, type Lease } from './semaphore';
import type { WaitOptions } from '../../client/types';
import type { Participant } from '../shared/participants';
import type { AcquireOptions, Lock, LockHandle } from './types';
import type { SafetyPolicy } from '../shared/hold-signal';
import { optionsObject } from '../shared/options';
import type { NodeData } from '../../client/types';

/** Options of a {@link SemaphoreMutex}. */
export interface SemaphoreMutexOptions {
  /** See {@link LockOptions.policy}. @default 'standard' */
  policy?: SafetyPolicy;
  /** Data stored in the lease node. @default empty */
  data?: NodeData;
}

/**
 * A non-reentrant mutex built on a one-lease {@link Semaphore}, interoperable with Apache Curator's
 * `InterProcessSemaphoreMutex` (layout `<path>/leases` + `<path>/locks`). Unlike {@link Mutex}, its hold is
 * not tied to an async context: a handle may be released from anywhere, and a second acquisition from the
 * same flow waits like any other.
 *
 * @example
 * ```ts
 * const job = new SemaphoreMutex(client, '/locks/nightly-job');
 * const handle = await job.tryAcquire();
 * if (handle) queueMicrotask(() => runJob().finally(() => handle.release()));
 * ```
 */
export class SemaphoreMutex implements Lock<LockHandle> {
  private readonly semaphore: Semaphore;

  constructor(client: ZooKeeperClient, path: string, options?: SemaphoreMutexOptions) {
    this.semaphore = new Semaphore(client, path, { ...optionsObject(options, 'SemaphoreMutex'), maxLeases: 1 }, 'SemaphoreMutex');
  }

  /** The lock's path. */
  get path(): string {
    return this.semaphore.path;
  }

  /** Waits for the lock; rejects with {@link LockTimeoutError} after `timeoutMs`, with `signal.reason` on abort. */
  acquire(options?: AcquireOptions): Promise<Lease> {
    return this.semaphore.acquire(options);
  }

  /** Takes the lock if it is free right now; `null` otherwise. */
  tryAcquire(): Promise<Lease | null> {
    return this.semaphore.tryAcquire();
  }

  /** Acquires, runs `fn`, releases when `fn` settles. Not reentrant. */
  async withLock<T>(fn: (handle: LockHandle) => T | Promise<T>, options?: AcquireOptions): Promise<T> {
    if (typeof fn !== 'function') throw new TypeError('withLock needs a function');
    const lease = await this.acquire(options);
    try {
      return await fn(lease);
    } finally {
      await lease.release();
    }
  }

  /** True while this object holds the lock and the hold is still certain. */
  isAcquired(): boolean {
    return this.semaphore.isAcquired();
  }

  /** The lease node (at most one: the holder). */
  getParticipants(options?: WaitOptions): Promise<Participant[]> {
    return this.semaphore.getParticipants(options);
  }
}
