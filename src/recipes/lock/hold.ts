/**
 * A hold of a lock (one node, possibly entered several times by the same async context) and the handles
 * given out for it. Reentrancy follows the async context: {@link runHolding} marks a hold as the current
 * context's, and an acquisition made inside that context (at any depth of awaits) re-enters it.
 *
 * Why not mark the caller's context from inside `acquire()` (`AsyncLocalStorage.enterWith`)? Because the
 * mark would leak into the caller's synchronous siblings: two flows started side by side
 * (`Promise.all([work(), work()])`) share their starter's context, and the second would "re-enter" the
 * first one's lock — two holders in one process. So the context is established by `withLock(fn)` only,
 * where its extent is exact: everything `fn` runs.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { parentPath } from '../../client/paths';
import type { Transaction, ZooKeeperClient } from '../../client/types';
import type { LossReason } from '../shared/errors';
import { guardedTransaction } from '../shared/guard';
import type { HoldSignal } from '../shared/hold-signal';
import { traceAcquired, traceLost, traceReleased, type HoldTrace } from './lock-trace';
import type { LockHandle } from './types';

/** How a hold came about, for its events and for the client's shutdown. */
export interface HoldOrigin {
  /** The lock class, e.g. `Mutex`. */
  kind: string;
  /** The trace clock (`traceClock`) when the acquisition began: 0 when nobody listened. */
  waitStart: number;
  /**
   * Register with the client's `shutdown()`. False for a hold whose owner releases it on shutdown itself
   * (a LeaderSelector: its leadership must end before the node goes).
   */
  releaseOnShutdown: boolean;
}

/** One held node and how many handles still hold it. */
export class Hold implements HoldTrace {
  private count = 1;
  readonly kind: string;
  readonly waitStart: number;
  private readonly acquiredAt: number;
  private readonly unregister: (() => void) | undefined;

  constructor(
    private readonly client: ZooKeeperClient,
    /** Path of the lock node. */
    readonly path: string,
    /** Sequence of the lock node (for a writer's read lock, which takes the same place in line). */
    readonly sequence: number,
    /** Session the node belongs to. */
    readonly sessionId: string | undefined,
    readonly fencingToken: bigint,
    readonly holdSignal: HoldSignal,
    private readonly onReleased: (hold: Hold) => Promise<void>,
    origin: HoldOrigin,
  ) {
    this.kind = origin.kind;
    this.waitStart = origin.waitStart;
    this.acquiredAt = traceAcquired(this);
    holdSignal.lossListener = this;
    if (origin.releaseOnShutdown) this.unregister = client.releaseOnShutdown(() => this.releaseAll());
  }

  /** The lock's path (computed only for an event: nothing is spent on it while nobody listens). */
  get lockPath(): string {
    return parentPath(this.path);
  }

  /** True until the last handle was released. */
  get active(): boolean {
    return this.count > 0;
  }

  /** Usable for a reentrant acquisition: active and still certain. */
  get enterable(): boolean {
    return this.active && !this.holdSignal.aborted;
  }

  /** A new handle on this hold (the first one, or a reentrant one). */
  handle(): HoldHandle {
    return new HoldHandle(this);
  }

  /** Counts one more handle. */
  retain(): void {
    this.count += 1;
  }

  /** Counts one handle less; the last one aborts the signal (`released`) and deletes the node. */
  async releaseOne(): Promise<void> {
    if (this.count === 0) return; // the client's shutdown released it already
    this.count -= 1;
    if (this.count > 0) return;
    this.holdSignal.abort('released');
    await this.end();
  }

  /** The client is shutting down: releases the hold however many handles hold it (their signal says `closed`). */
  async releaseAll(): Promise<void> {
    if (this.count === 0) return;
    this.count = 0;
    this.holdSignal.abort('closed');
    await this.end();
  }

  /** @internal Called by the hold's signal when it aborts for another reason than a release. */
  onLoss(reason: LossReason): void {
    if (this.count > 0) traceLost(this, this.acquiredAt, reason);
  }

  /** A transaction that first checks that the lock node exists; throws when `ended` says the handle is done. */
  transaction(ended?: string): Transaction {
    return guardedTransaction(this.client, this.path, `lock ${this.path}`, ended);
  }

  private async end(): Promise<void> {
    this.unregister?.();
    traceReleased(this, this.acquiredAt);
    await this.onReleased(this);
  }
}

/** The {@link LockHandle} given out for a {@link Hold}. */
export class HoldHandle implements LockHandle {
  private released = false;

  constructor(
    /** @internal */
    readonly hold: Hold,
  ) {}

  get path(): string {
    return this.hold.path;
  }

  get fencingToken(): bigint {
    return this.hold.fencingToken;
  }

  get signal(): AbortSignal {
    return this.hold.holdSignal.signal;
  }

  async release(): Promise<void> {
    if (this.released) return;
    this.released = true;
    await this.hold.releaseOne();
  }

  guardedTransaction(): Transaction {
    return this.hold.transaction(this.released ? 'was released' : undefined);
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.release();
  }
}

const context = new AsyncLocalStorage<ReadonlyMap<object, Hold>>();

/** The hold of `owner` that the current async context may re-enter, if any. */
export function holdInContext(owner: object): Hold | undefined {
  const hold = context.getStore()?.get(owner);
  return hold?.active ? hold : undefined;
}

/** Runs `fn` in an async context that holds `hold` of `owner`. */
export function runHolding<T>(owner: object, hold: Hold, fn: () => T): T {
  const holds = new Map(context.getStore());
  holds.set(owner, hold);
  return context.run(holds, fn);
}
