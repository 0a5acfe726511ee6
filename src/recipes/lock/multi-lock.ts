/** {@link MultiLock}: Curator's InterProcessMultiLock for Node. */
import { Deadline } from '../../client/deadline';
import type { ZooKeeperClient } from '../../client/types';
import { lockTimeout, LockTimeoutError } from './errors';
import { Mutex, type MutexOptions } from './mutex';
import type { AcquireOptions, HeldLock, Lock, LockHandle } from './types';
import { checkClient } from '../shared/check-client';
import { checkAcquireOptions } from './validate';

/**
 * All the locks of a {@link MultiLock}, held together.
 *
 * @example
 * ```ts
 * await using both = await new MultiLock(client, ['/locks/a', '/locks/b']).acquire();
 * await copy({ signal: both.signal, tokens: both.fencingTokens });
 * ```
 */
export class MultiLockHandle implements HeldLock {
  private released = false;

  /** @internal */
  constructor(
    /** The handles, in the order the locks were given. */
    readonly handles: readonly HeldLock[],
  ) {
    this.signal = AbortSignal.any(handles.map((handle) => handle.signal));
  }

  /** Aborted as soon as any one of the locks is no longer certain. */
  readonly signal: AbortSignal;

  /** The fencing tokens of the locks that have one (in order; `undefined` for the others). */
  get fencingTokens(): ReadonlyArray<bigint | undefined> {
    return this.handles.map((handle) => (handle as Partial<LockHandle>).fencingToken);
  }

  /** Releases every lock (in reverse order); rejects with the first failure after trying them all. */
  async release(): Promise<void> {
    if (this.released) return;
    this.released = true;
    await releaseAll(this.handles);
  }

  /** Same as {@link MultiLockHandle.release}, for `await using`. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.release();
  }
}

/** Releases in reverse order, all of them, then reports the first failure. */
async function releaseAll(handles: readonly HeldLock[]): Promise<void> {
  let failure: { error: unknown } | undefined;
  for (const handle of [...handles].reverse()) {
    try {
      await handle.release();
    } catch (error) {
      failure ??= { error };
    }
  }
  if (failure) throw failure.error;
}

/**
 * Several locks taken as one: all or nothing. Acquires them in the given order under one overall timeout;
 * when one cannot be had, releases those already taken and fails. Give the locks in the same order
 * everywhere (e.g. sorted by path), or two multi-locks can wait for each other until they time out.
 *
 * @example
 * ```ts
 * const both = new MultiLock(client, ['/locks/account-17', '/locks/account-42']);
 * await both.withLock(async ({ signal }) => transfer(17, 42, 100, { signal }), { timeoutMs: 5_000 });
 * ```
 */
export class MultiLock implements Lock<MultiLockHandle> {
  private readonly locks: readonly Lock<HeldLock>[];

  /** Over locks of any kind (mutexes, read or write halves, semaphore mutexes, ...). */
  constructor(locks: readonly Lock<HeldLock>[]);
  /** Over a {@link Mutex} at each of `paths`. */
  constructor(client: ZooKeeperClient, paths: readonly string[], options?: MutexOptions);
  constructor(clientOrLocks: ZooKeeperClient | readonly Lock<HeldLock>[], paths?: readonly string[], options?: MutexOptions) {
    if (Array.isArray(clientOrLocks)) {
      this.locks = [...(clientOrLocks as readonly Lock<HeldLock>[])];
    } else {
      if (!Array.isArray(paths)) throw new TypeError('MultiLock(client, paths) needs an array of paths');
      checkClient(clientOrLocks, 'MultiLock');
      this.locks = paths.map((path) => new Mutex(clientOrLocks, path, options));
    }
    if (this.locks.length === 0) throw new RangeError('MultiLock needs at least one lock');
    for (const lock of this.locks) {
      if (typeof lock?.acquire !== 'function' || typeof lock.tryAcquire !== 'function') throw new TypeError('MultiLock takes locks (objects with acquire and tryAcquire)');
    }
  }

  /**
   * Acquires every lock within one overall `timeoutMs`. On timeout, abort or error, the locks already taken
   * are released and the call rejects ({@link LockTimeoutError} for the timeout).
   */
  async acquire(options?: AcquireOptions): Promise<MultiLockHandle> {
    const { timeoutMs, signal } = checkAcquireOptions(options);
    const deadline = new Deadline(timeoutMs, signal);
    const handles: HeldLock[] = [];
    try {
      for (const lock of this.locks) {
        const remaining = deadline.remaining();
        handles.push(await lock.acquire({ ...(remaining === Infinity ? {} : { timeoutMs: remaining }), ...(signal ? { signal } : {}) }));
      }
      return new MultiLockHandle(handles);
    } catch (error) {
      await releaseAll(handles).catch(() => undefined);
      if (error instanceof LockTimeoutError && timeoutMs !== undefined) throw lockTimeout(`MultiLock (waiting for ${error.path})`, error.path, timeoutMs);
      throw error;
    }
  }

  /** Takes every lock if all are free right now; otherwise releases what it took and resolves `null`. */
  async tryAcquire(): Promise<MultiLockHandle | null> {
    const handles: HeldLock[] = [];
    try {
      for (const lock of this.locks) {
        const handle = await lock.tryAcquire();
        if (handle === null) {
          await releaseAll(handles).catch(() => undefined);
          return null;
        }
        handles.push(handle);
      }
      return new MultiLockHandle(handles);
    } catch (error) {
      await releaseAll(handles).catch(() => undefined);
      throw error;
    }
  }

  /** Acquires all, runs `fn`, releases all when `fn` settles. */
  async withLock<T>(fn: (handle: MultiLockHandle) => T | Promise<T>, options?: AcquireOptions): Promise<T> {
    if (typeof fn !== 'function') throw new TypeError('withLock needs a function');
    const handle = await this.acquire(options);
    try {
      return await fn(handle);
    } finally {
      await handle.release();
    }
  }

  /** True when every lock is held (and certain) by this process. */
  isAcquired(): boolean {
    return this.locks.every((lock) => lock.isAcquired());
  }
}
