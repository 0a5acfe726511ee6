/** The public behaviour shared by {@link Mutex} and the two halves of {@link ReadWriteLock}. */
import { channels, traceClock } from '../../client/channels';
import { Deadline } from '../../client/deadline';
import type { WaitOptions, ZooKeeperClient } from '../../client/types';
import type { HoldSignal } from '../shared/hold-signal';
import type { LockDriver } from './drivers';
import { lockTimeout } from './errors';
import { Hold, holdInContext, runHolding, type HoldHandle, type HoldOrigin } from './hold';
import { LockInternals, type Confirmed } from './lock-internals';
import type { Participant } from '../shared/participants';
import type { AcquireOptions, Lock, LockHandle, LockOptions } from './types';
import { checkClient } from '../shared/check-client';
import { checkAcquireOptions, checkLockPath, resolveLockOptions, type ResolvedLockOptions } from './validate';

/** A lock made of contender nodes under one path, reentrant per async context (see `withLock`). */
export abstract class SequentialLock implements Lock {
  /** The lock's path. */
  readonly path: string;
  protected readonly internals: LockInternals;
  protected readonly options: ResolvedLockOptions;
  private readonly holds = new Set<Hold>();
  private readonly kind: string;

  protected readonly client: ZooKeeperClient;

  /** Checks every argument (TypeError/RangeError naming it); does no I/O. */
  protected constructor(client: ZooKeeperClient, path: string, driver: LockDriver, options: LockOptions | undefined, kind: string) {
    checkClient(client, kind);
    this.client = client;
    this.kind = kind;
    this.path = checkLockPath(path);
    this.options = resolveLockOptions(options, kind);
    this.internals = new LockInternals(client, this.path, driver, this.options.policy, this.options.data, `${kind} ${this.path}`);
  }

  /**
   * Waits for the lock in turn (FIFO) and resolves with a handle. Inside `withLock` of this lock (the same
   * async context) it re-enters the hold at once. Rejects with {@link LockTimeoutError} after `timeoutMs`
   * and with `signal.reason` on abort; either way the waiter's node is deleted.
   */
  acquire(options?: AcquireOptions): Promise<LockHandle> {
    return this.acquireInLine(options);
  }

  /**
   * @internal {@link SequentialLock.acquire}, telling `onQueued` once this acquisition's node is in line
   * (for a recipe whose start resolves then: a LeaderSelector). With `ownedByRecipe`, the hold is left out
   * of the client's shutdown: the recipe releases it when the client closes it.
   */
  async acquireInLine(options?: AcquireOptions, onQueued?: () => void, ownedByRecipe = false): Promise<LockHandle> {
    const waitStart = traceClock(channels.lock);
    const { timeoutMs, signal } = checkAcquireOptions(options);
    const reentered = this.reenter();
    if (reentered) return reentered;
    const early = await this.acquireInContext();
    if (early) return early;
    const tryOnly = timeoutMs === 0;
    const confirmed = await this.internals.acquire({
      deadline: new Deadline(tryOnly ? undefined : timeoutMs, signal),
      timeoutMs: timeoutMs ?? Infinity,
      tryOnly,
      onQueued,
    });
    if (confirmed === null) throw lockTimeout(this.internals.what, this.path, 0);
    return this.hold(confirmed, this.origin(waitStart, !ownedByRecipe)).handle();
  }

  /** Takes the lock if it is free right now (one round trip when uncontended); `null` otherwise. */
  async tryAcquire(): Promise<LockHandle | null> {
    const waitStart = traceClock(channels.lock);
    const reentered = this.reenter();
    if (reentered) return reentered;
    const early = await this.acquireInContext();
    if (early) return early;
    const confirmed = await this.internals.acquire({ deadline: new Deadline(undefined), timeoutMs: 0, tryOnly: true });
    return confirmed === null ? null : this.hold(confirmed, this.origin(waitStart)).handle();
  }

  /**
   * Acquires, runs `fn` in an async context that holds the lock (acquisitions of this lock inside `fn`
   * re-enter it), and releases when `fn` settles.
   */
  async withLock<T>(fn: (handle: LockHandle) => T | Promise<T>, options?: AcquireOptions): Promise<T> {
    if (typeof fn !== 'function') throw new TypeError('withLock needs a function');
    // eslint-disable-next-line @typescript-eslint/no-unsafe-class-instance-assignment -- every handle this class gives out is a HoldHandle; acquire()'s public type is the LockHandle interface
    const handle = (await this.acquire(options)) as HoldHandle;
    try {
      return await runHolding(this, handle.hold, () => fn(handle));
    } finally {
      await handle.release();
    }
  }

  /** True while this object holds the lock in this process and the hold is still certain. */
  isAcquired(): boolean {
    for (const hold of this.holds) if (hold.enterable) return true;
    return false;
  }

  /** The contenders in order (for a mutex: the holder first, then the waiters), with their node data. */
  getParticipants(options?: WaitOptions): Promise<Participant[]> {
    return this.internals.participants(options);
  }

  /** The hold of this lock that the current async context may re-enter. */
  protected heldHere(): Hold | undefined {
    return holdInContext(this);
  }

  /**
   * A chance for a lock kind to answer without queueing (e.g. a writer taking the read lock), or to refuse
   * (e.g. an upgrade). Called after reentrancy was checked.
   */
  protected async acquireInContext(): Promise<LockHandle | undefined> {
    return undefined;
  }

  /** How a hold of this lock came about: its kind, when its wait began, whether the client's shutdown releases it. */
  protected origin(waitStart: number, releaseOnShutdown = true): HoldOrigin {
    return { kind: this.kind, waitStart, releaseOnShutdown };
  }

  /** Turns a confirmed node into a hold tracked until its last handle is released. */
  protected hold(confirmed: Confirmed, origin: HoldOrigin): Hold {
    const { node, sequence, fencingToken, holdSignal } = confirmed;
    return this.newHold(node.path, sequence, node.sessionId, fencingToken, holdSignal, origin);
  }

  /** A hold of a node at `path`, tracked until its last handle is released. */
  protected newHold(
    path: string,
    sequence: number,
    sessionId: string | undefined,
    fencingToken: bigint,
    holdSignal: HoldSignal,
    origin: HoldOrigin,
  ): Hold {
    const onReleased = (released: Hold): Promise<void> => {
      this.holds.delete(released);
      return this.internals.release(released.path, released.sessionId);
    };
    const hold = new Hold(this.client, path, sequence, sessionId, fencingToken, holdSignal, onReleased, origin);
    this.holds.add(hold);
    return hold;
  }

  private reenter(): LockHandle | undefined {
    const hold = this.heldHere();
    if (hold === undefined) return undefined;
    // The hold this context re-enters is no longer certain: saying "you hold it" would be a lie.
    hold.holdSignal.signal.throwIfAborted();
    hold.retain();
    return hold.handle();
  }
}
