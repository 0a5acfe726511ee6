/**
 * {@link Guard}: anything held that stands for one node — a held lock or lease, a term of leadership — so
 * that writes inside ZooKeeper can be fenced by it. The fence is a `check` of that node (version -1: it
 * must exist) as the first operation of the write's transaction: once the hold ends, its node is deleted
 * (released, or gone with the session), the check fails with `NO_NODE` and nothing of the transaction is
 * applied. One place builds that transaction and recognises its failure, for every kind of hold.
 */
import { isZkError } from '../../client/errors';
import type { Transaction, ZooKeeperClient } from '../../client/types';
import { HoldLostError, RecipeStateError, type LossReason } from './errors';

/**
 * A hold that can fence writes: a {@link LockHandle} (of any lock, or a `Lease`), a {@link Leadership} of a
 * `LeaderLatch`, a `SelectorLeadership`. Pass it as `{ guard }` to a queue's `put()`, or start a guarded
 * transaction yourself.
 */
export interface Guard {
  /** Aborted (with a {@link HoldLostError}) once the hold is no longer certain. */
  readonly signal: AbortSignal;
  /**
   * A transaction (on the holder's client) that starts with a check that the hold's node still exists:
   * it commits only while the hold really stands, and fails with `NO_NODE` at operation 0 once the node is
   * gone. Throws {@link RecipeStateError} when the hold already ended in this process.
   */
  guardedTransaction(): Transaction;
}

/**
 * The guarded transaction of the hold `what` on `node`: a check of the node first. Throws a
 * {@link RecipeStateError} (saying `ended`, e.g. `was released`) when `ended` is given: the hold is over
 * in this process, and nothing should be written under it, whatever the server still has.
 */
export function guardedTransaction(client: ZooKeeperClient, node: string, what: string, ended?: string): Transaction {
  if (ended !== undefined) throw new RecipeStateError(`${what} ${ended}; no guarded transaction`);
  return client.transaction().check(node, -1);
}

/** True when `error` is the failure of a guarded transaction's check: the guard's node is gone. */
export function isGuardCheckFailure(error: unknown): boolean {
  return isZkError(error, 'NO_NODE') && error.failedOp === 0;
}

/**
 * The guarded transaction of `guard`, for a write of `what` (e.g. `DistributedQueue /jobs put`): a guard
 * that already ended in this process is reported as a {@link HoldLostError}, with the reason its signal gives.
 */
export function startGuarded(guard: Guard, what: string): Transaction {
  try {
    return guard.guardedTransaction();
  } catch (error) {
    if (!(error instanceof RecipeStateError)) throw error;
    throw guardLost(what, holdLossReason(guard.signal), error);
  }
}

/** The {@link HoldLostError} of a write of `what` refused because its guard is gone (`cause`: what said so). */
export function guardLost(what: string, reason: LossReason, cause: unknown): HoldLostError {
  return new HoldLostError(`${what} (guarded)`, reason, { cause });
}

/** Why a hold ended, from its signal: the {@link HoldLostError}'s reason, else `released`. */
export function holdLossReason(signal: AbortSignal): LossReason {
  const reason: unknown = signal.reason;
  return signal.aborted && reason instanceof HoldLostError ? reason.reason : 'released';
}

/** Checks a `guard` option: undefined, or an object with `guardedTransaction()` and a `signal`. */
export function checkGuard(guard: Guard | undefined, what: string): Guard | undefined {
  if (guard === undefined) return undefined;
  const candidate: Partial<Guard> | null = guard;
  if (typeof candidate?.guardedTransaction !== 'function' || !(candidate.signal instanceof AbortSignal)) {
    throw new TypeError(`${what}: options.guard must be a held lock, lease or leadership (with guardedTransaction() and signal)`);
  }
  return guard;
}
