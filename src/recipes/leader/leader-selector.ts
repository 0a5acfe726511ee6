/**
 * {@link LeaderSelector}: leadership as a turn at a {@link Mutex}, as Curator's `LeaderSelector`: the
 * leader runs `takeLeadership` and is the leader for exactly as long as it runs.
 */
import { Backoff } from '../../client/backoff';
import { delay } from '../../client/deadline';
import { isConnectionTrouble, isZkError } from '../../client/errors';
import { isWritable } from '../../client/protected-create';
import type { WaitOptions, ZooKeeperClient } from '../../client/types';
import { Mutex } from '../lock/mutex';
import type { LockHandle } from '../lock/types';
import { HoldLostError, RecipeStateError } from '../shared/errors';
import { guardedTransaction, holdLossReason } from '../shared/guard';
import { readLeader, readParticipants, type Participant } from '../shared/participants';
import { Recipe, toError } from '../shared/recipe';
import { Waiters } from '../shared/waiters';
import { traceGained, traceLostLeadership } from './leader-trace';
import { resolveLeaderSelectorOptions } from './options';
import type { LeaderSelectorEvents, LeaderSelectorOptions, SelectorLeadership } from './types';

/** The marker of selector nodes: those of Curator's InterProcessMutex, which its LeaderSelector uses. */
export const SELECTOR_MARKER = 'lock-';

/**
 * Leader election where leadership is a piece of work: each participant waits for its turn at a
 * Curator-compatible mutex (`<path>/_c_<uuid>-lock-<seq10>`, the id as data), then runs `takeLeadership`
 * and leads until it returns. Never runs `takeLeadership` twice at once; with `autoRequeue` it queues again
 * after every turn.
 *
 * @example
 * ```ts
 * const selector = new LeaderSelector(client, '/services/scheduler/leader', {
 *   id: 'scheduler-2',
 *   autoRequeue: true,
 *   takeLeadership: async (signal, { fencingToken }) => {
 *     while (!signal.aborted) await runSchedulingPass({ signal, fencingToken });
 *   },
 * });
 * await selector.start();
 * // ...
 * await selector.close();   // aborts the signal, waits for takeLeadership to return, leaves the line
 * ```
 */
export class LeaderSelector extends Recipe<LeaderSelectorEvents> {
  /** This participant's id. */
  readonly id: string;
  private readonly takeLeadership: LeaderSelectorOptions['takeLeadership'];
  private readonly autoRequeue: boolean;
  private readonly mutex: Mutex;
  private queued = false;
  /** True while {@link LeaderSelector.run} loops; cleared in the same tick the loop ends, so no requeue is lost. */
  private looping = false;
  private running: Promise<void> | undefined;
  private attempt: AbortController | undefined;
  private current: SelectorLeadership | undefined;
  /** Who waits for the first turn's node to be in line (start()). */
  private readonly enqueued = new Waiters<void>();
  private inLine = false;

  /** Checks every argument (TypeError/RangeError naming it); does no I/O. */
  constructor(client: ZooKeeperClient, path: string, options: LeaderSelectorOptions) {
    super(client, path, 'LeaderSelector');
    const resolved = resolveLeaderSelectorOptions(options);
    this.id = resolved.id;
    this.takeLeadership = resolved.takeLeadership;
    this.autoRequeue = resolved.autoRequeue;
    this.mutex = new Mutex(this.client, path, { policy: resolved.policy, data: resolved.id });
  }

  /** True while `takeLeadership` runs. */
  hasLeadership(): boolean {
    return this.current !== undefined;
  }

  /** The current term while leading. */
  get leadership(): SelectorLeadership | undefined {
    return this.current;
  }

  /**
   * Queues another turn, unless one is already queued; a turn queued while `takeLeadership` runs starts
   * after it. Returns true when it queued one. Throws {@link RecipeStateError} unless started.
   */
  requeue(): boolean {
    if (!this.active) throw new RecipeStateError(`${this.what}: requeue() needs a started recipe (it is ${this.state})`);
    if (this.queued) return false;
    this.queued = true;
    if (!this.looping) {
      this.looping = true;
      this.running = this.run();
    }
    return true;
  }

  /**
   * Ends the current turn: aborts `takeLeadership`'s signal (reason `interrupted`), or stops waiting for the
   * turn. With `autoRequeue` the participant queues again afterwards.
   */
  interruptLeadership(): void {
    this.attempt?.abort(new HoldLostError(this.what, 'interrupted'));
  }

  /** All participants in line order, ids read from their nodes; the first is the leader. */
  getParticipants(options?: WaitOptions): Promise<Participant[]> {
    return readParticipants(this.client, this.path, [SELECTOR_MARKER], options);
  }

  /** The current leader, or `undefined` when nobody is in line. */
  getLeader(options?: WaitOptions): Promise<Participant | undefined> {
    return readLeader(this.client, this.path, [SELECTOR_MARKER], options);
  }

  protected override get what(): string {
    return `${super.what} (${this.id})`;
  }

  /**
   * Joins the line (one turn; more need `autoRequeue` or {@link LeaderSelector.requeue}): resolves once this
   * participant's node is in line, rejects when it cannot be made for a reason other than the connection.
   */
  protected async onStart(): Promise<void> {
    this.requeue();
    if (!this.inLine) await this.enqueued.wait(undefined, () => new RecipeStateError(`${this.what}: not in line`));
  }

  /**
   * Leaves: aborts the signal of a running `takeLeadership` (reason `closed`) and waits for it to return,
   * stops waiting for a turn, and deletes this participant's node.
   */
  protected async onClose(): Promise<void> {
    this.queued = false;
    this.enqueued.failAll(new RecipeStateError(`${this.what}: closed`));
    this.attempt?.abort(new HoldLostError(this.what, 'closed'));
    await this.running;
    this.removeAllListeners();
  }

  /** Turns, one at a time, for as long as some are queued. */
  private async run(): Promise<void> {
    try {
      await this.turns();
    } finally {
      this.looping = false;
    }
  }

  private async turns(): Promise<void> {
    const backoff = new Backoff();
    // The check and the loop's end are one synchronous step: a requeue() after it starts a new run.
    for (;;) {
      if (!this.queued || !this.active) {
        this.looping = false;
        return;
      }
      this.queued = false;
      const attempt = new AbortController();
      this.attempt = attempt;
      let handle: LockHandle;
      try {
        handle = await this.mutex.acquireInLine({ signal: attempt.signal }, () => this.nowInLine(), true);
      } catch (error) {
        if (attempt.signal.aborted) {
          // interruptLeadership() or close() while waiting for the turn.
          if (this.autoRequeue && this.active) this.queued = true;
          continue;
        }
        if (!this.inLine && !isConnectionTrouble(error)) {
          // The first turn could not get in line (NO_AUTH, a bad ACL...): start() fails with it.
          this.enqueued.failAll(error);
          return;
        }
        if (!isZkError(error, 'CLIENT_CLOSED')) this.safeEmit('error', toError(error));
        if (this.client.state === 'closed') return;
        // The turn is still owed: wait a little (and for a connection), then queue up again.
        this.queued = true;
        await delay(backoff.next(), attempt.signal).catch(() => undefined);
        if (!isWritable(this.client)) await this.client.waitForConnection({ signal: attempt.signal }).catch(() => undefined);
        continue;
      }
      backoff.reset();
      await this.lead(handle, attempt);
      if (this.autoRequeue && this.active) this.queued = true;
    }
  }

  /** One turn: runs `takeLeadership` under a signal tied to the lock and to this selector, then releases. */
  private async lead(handle: LockHandle, attempt: AbortController): Promise<void> {
    const signal = AbortSignal.any([handle.signal, attempt.signal]);
    let ended = false;
    const what = `${this.what}: turn of leadership`;
    const leadership: SelectorLeadership = {
      id: this.id,
      fencingToken: handle.fencingToken,
      node: handle.path,
      signal,
      guardedTransaction: () => guardedTransaction(this.client, handle.path, what, ended || signal.aborted ? 'ended' : undefined),
    };
    this.current = leadership;
    const sessionId = this.client.sessionId;
    const gainedAt = traceGained('LeaderSelector', this.path, sessionId);
    try {
      this.safeEmit('isLeader', leadership);
      if (!signal.aborted) await this.takeLeadership(signal, leadership);
    } catch (error) {
      if (!signal.aborted || error !== signal.reason) this.safeEmit('error', toError(error));
    } finally {
      ended = true;
      this.current = undefined;
      // Leadership ends the moment takeLeadership settles, before the node goes: no overlap with the next.
      const reason = holdLossReason(signal);
      traceLostLeadership('LeaderSelector', this.path, sessionId, gainedAt, reason);
      this.safeEmit('notLeader', reason);
      await handle.release().catch((error: unknown) => this.safeEmit('error', toError(error)));
    }
  }

  private nowInLine(): void {
    this.inLine = true;
    this.enqueued.wake();
  }
}
