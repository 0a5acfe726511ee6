/** The shapes every lock of this folder shares: how to wait for one, what a held lock offers. */
import type { NodeData, Transaction } from '../../client/types';
import type { Guard } from '../shared/guard';
import type { SafetyPolicy } from '../shared/hold-signal';

/** How long to wait for a lock, and how to give up early. */
export interface AcquireOptions {
  /**
   * Give up after this many milliseconds with a {@link LockTimeoutError}; the waiter's node is deleted. `0`
   * checks once without waiting (as {@link Lock.tryAcquire}). @default no limit
   */
  timeoutMs?: number;
  /** Give up when this signal aborts (rejects with `signal.reason`); the waiter's node is deleted. */
  signal?: AbortSignal;
}

/** What every held lock, lease or set of locks offers. */
export interface HeldLock extends AsyncDisposable {
  /**
   * Aborted the moment the holder can no longer be sure it holds the lock: at `suspended` under the
   * `standard` policy, at `lost` under the `session` policy, on a new session, when the client closes, and
   * on release. Tie work done under the lock to it.
   */
  readonly signal: AbortSignal;
  /** Releases (idempotent). Resolves once the node is deleted or its deletion was handed to background retries. */
  release(): Promise<void>;
}

/** A held lock (or lease): its node, its fencing token, and transactions (and queue puts) guarded by it. */
export interface LockHandle extends HeldLock, Guard {
  /** Path of the node that holds the lock (namespace not applied). */
  readonly path: string;
  /**
   * A number that grows strictly with every successive holder of the lock's path (see docs/locks.md):
   * give it to the systems you write to, and have them refuse a write carrying a smaller token than one
   * they have already seen. Reentrant acquisitions share the token of the hold they re-enter.
   */
  readonly fencingToken: bigint;
  /**
   * A transaction that starts with a check that the lock node still exists: writes inside ZooKeeper made
   * through it commit only while the lock is really held. Throws once released.
   */
  guardedTransaction(): Transaction;
}

/** A lock: acquire it, try it, run code under it. */
export interface Lock<H extends HeldLock = LockHandle> {
  /** Waits for the lock (bounded by `timeoutMs`/`signal`) and resolves with a handle. */
  acquire(options?: AcquireOptions): Promise<H>;
  /** Takes the lock when it is free right now (one check, no waiting); resolves `null` otherwise. */
  tryAcquire(): Promise<H | null>;
  /** Acquires, runs `fn` with the handle, releases (also when `fn` throws), and returns what `fn` returned. */
  withLock<T>(fn: (handle: H) => T | Promise<T>, options?: AcquireOptions): Promise<T>;
  /** True while this object holds the lock in this process and the hold is still certain (signal not aborted). */
  isAcquired(): boolean;
}

/** Options of the sequential-node locks ({@link Mutex}, {@link ReadWriteLock}). */
export interface LockOptions {
  /**
   * When a held lock counts as uncertain: `standard` (Curator's default) already at `suspended`, `session`
   * only when the session is lost. A hold never survives into a new session either way.
   * @default 'standard'
   */
  policy?: SafetyPolicy;
  /** Data stored in the lock nodes (shown by `getParticipants()`). @default empty */
  data?: NodeData;
}
