/** The shapes of the leader recipes: options, terms of leadership, events. */
import type { LossReason } from '../shared/errors';
import type { Guard } from '../shared/guard';
import type { SafetyPolicy } from '../shared/hold-signal';
import type { Transaction } from '../../client/types';
import type { RecipeEvents } from '../shared/recipe';

/** Options of a {@link LeaderLatch}. */
export interface LeaderLatchOptions {
  /** This participant's id: the data of its node, what {@link LeaderLatch.getParticipants} reports. Non-empty. */
  id: string;
  /**
   * When leadership counts as lost. `standard` (Curator's default): already when the connection is
   * `suspended`, since the session may be expiring unseen. `session`: only when the session is `lost` (or
   * replaced); more available, less safe during a partition.
   * @default 'standard'
   */
  policy?: SafetyPolicy;
}

/**
 * One term of leadership, from `isLeader` until `notLeader`. A {@link Guard}: pass it as `{ guard }` to a
 * queue's `put()`, or write through `guardedTransaction()`, so that a deposed leader's writes are refused.
 */
export interface Leadership extends Guard {
  /** The participant id of this latch. */
  readonly id: string;
  /**
   * Fencing token of this term: grows strictly from one leader to the next, so other systems can reject
   * writes from a deposed leader (why it holds: docs/locks.md, "Fencing tokens"). Terms of the same node
   * (leading again after a suspension, nobody else having led in between) share it.
   */
  readonly fencingToken: bigint;
  /** Aborted (with a {@link HoldLostError}) the moment this term ends. */
  readonly signal: AbortSignal;
  /** Path of this participant's node. */
  readonly node: string;
  /**
   * A transaction that starts with a check that this participant's node still exists: writes inside
   * ZooKeeper made through it commit only while the node stands (the check fails with `NO_NODE` once it is
   * deleted or gone with the session). Throws {@link RecipeStateError} once the term ended in this process.
   *
   * @example
   * ```ts
   * latch.on('isLeader', async (leadership) => {
   *   await leadership.guardedTransaction().setData('/billing/master', 'billing-7f3a').commit();
   * });
   * ```
   */
  guardedTransaction(): Transaction;
}

/** The listener-object form of the latch's events (Curator's `LeaderLatchListener`). */
export interface LeaderLatchListener {
  /** This participant became the leader. */
  isLeader?(leadership: Leadership): void;
  /** This participant stopped being the leader. */
  notLeader?(reason: LossReason): void;
}

/** Events of a {@link LeaderLatch} (and `error`: a background operation failed for a reason other than the connection; the latch keeps trying). */
export interface LeaderLatchEvents extends RecipeEvents {
  /** This participant became the leader (its node is first, owned by the current session, connected). */
  isLeader: (leadership: Leadership) => void;
  /** This participant stopped being the leader; the term's signal is already aborted. */
  notLeader: (reason: LossReason) => void;
}

/** Options of {@link LeaderLatch.close}. */
export interface LeaderLatchCloseOptions {
  /** Emit `notLeader` when closing a leading latch (Curator's `CloseMode.NOTIFY_LEADER`). @default false */
  notifyLeader?: boolean;
}

/** What `takeLeadership` is given besides its signal: the turn, a {@link Guard} for writes made during it. */
export interface SelectorLeadership extends Guard {
  /** This participant's id. */
  readonly id: string;
  /** The fencing token of this term (the lock's; grows strictly from one leader to the next). */
  readonly fencingToken: bigint;
  /** Path of this participant's lock node. */
  readonly node: string;
  /** The turn's signal (the one `takeLeadership` is given): aborted when the turn ends or is no longer certain. */
  readonly signal: AbortSignal;
  /**
   * A transaction that starts with a check that this participant's lock node still exists (it fails with
   * `NO_NODE` once the node is gone). Throws {@link RecipeStateError} once the turn is over.
   */
  guardedTransaction(): Transaction;
}

/** Options of a {@link LeaderSelector}. */
export interface LeaderSelectorOptions {
  /** This participant's id: the data of its node, what {@link LeaderSelector.getParticipants} reports. Non-empty. */
  id: string;
  /**
   * Runs while this participant leads; leadership ends when it settles (its node is then deleted and the
   * next participant's turn begins). It must stop promptly once `signal` aborts: at `suspended` (standard
   * policy), on session loss, `close()` and `interruptLeadership()`. A rejection is reported on `error`.
   */
  takeLeadership: (signal: AbortSignal, leadership: SelectorLeadership) => Promise<void> | void;
  /** Queue up again after each turn (Curator's `autoRequeue()`). @default false */
  autoRequeue?: boolean;
  /** When leadership counts as lost: `standard` at `suspended`, `session` only when the session is lost. @default 'standard' */
  policy?: SafetyPolicy;
}

/** Events of a {@link LeaderSelector} (and `error`: `takeLeadership` rejected, or waiting for the turn failed for a reason other than the connection). */
export interface LeaderSelectorEvents extends RecipeEvents {
  /** A turn began: `takeLeadership` is about to be called. */
  isLeader: (leadership: SelectorLeadership) => void;
  /** The turn ended: `takeLeadership` settled (its node is deleted right after). */
  notLeader: (reason: LossReason) => void;
}

