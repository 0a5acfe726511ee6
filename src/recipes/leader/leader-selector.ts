/**
 * {@link LeaderSelector}: leadership as a turn at a {@link Mutex}, as Curator's `LeaderSelector`: the
 * leader runs `takeLeadership` and is the leader for exactly as long as it runs.
 */
import { EventEmitter } from 'eventemitter3';
import { Backoff } from '../../client/backoff';
import { delay } from '../../client/deadline';
import { isZkError } from '../../client/errors';
import { validatePath } from '../../client/paths';
import type { WaitOptions, ZooKeeperClient } from '../../client/types';
import { validateWaitOptions } from '../../client/validate';
import { Mutex } from '../lock/mutex';
import type { LockHandle } from '../lock/types';
import type { SafetyPolicy } from '../shared/hold-signal';
import { Lifecycle } from '../shared/lifecycle';
import { isWritable } from '../../client/protected-create';
import { HoldLostError, type LossReason } from '../shared/errors';
import { resolveLeaderSelectorOptions } from './options';
import { readLeader, readParticipants, type Participant } from '../shared/participants';
import { checkClient } from '../shared/check-client';

/** The marker of selector nodes: those of Curator's InterProcessMutex, which its LeaderSelector uses. */
export const SELECTOR_MARKER = 'lock-';

/** What `takeLeadership` is given besides its signal. */
export interface SelectorLeadership {
  /** This participant's id. */
  readonly id: string;
  /** The fencing token of this term (the lock's; grows strictly from one leader to the next). */
  readonly fencingToken: bigint;
  /** Path of this participant's lock node. */
  readonly node: string;
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

/** Events of a {@link LeaderSelector}. */
export interface LeaderSelectorEvents {
  /** A turn began: `takeLeadership` is about to be called. */
  isLeader: (leadership: SelectorLeadership) => void;
  /** The turn ended: `takeLeadership` settled (its node is deleted right after). */
  notLeader: (reason: LossReason) => void;
  /** `takeLeadership` rejected, or waiting for the turn failed for a reason other than the connection. */
  error: (error: Error) => void;
}

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
 * selector.start();
 * // ...
 * await selector.close();   // aborts the signal, waits for takeLeadership to return, leaves the line
 * ```
 */
export class LeaderSelector extends EventEmitter<LeaderSelectorEvents> {
  /** The election path. */
  readonly path: string;
  /** This participant's id. */
  readonly id: string;
  private readonly takeLeadership: LeaderSelectorOptions['takeLeadership'];
  private readonly autoRequeue: boolean;
  private readonly mutex: Mutex;
  private readonly lifecycle = new Lifecycle('LeaderSelector');
  private queued = false;
  /** True while {@link LeaderSelector.run} loops; cleared in the same tick the loop ends, so no requeue is lost. */
  private looping = false;
  private running: Promise<void> | undefined;
  private attempt: AbortController | undefined;
  private current: SelectorLeadership | undefined;
  private closing: Promise<void> | undefined;

  /** Checks every argument; does no I/O. Throws `TypeError`/`RangeError` for bad input. */
  constructor(
    private readonly client: ZooKeeperClient,
    path: string,
    options: LeaderSelectorOptions,
  ) {
    super();
    checkClient(client, 'LeaderSelector');
    validatePath(path, 'LeaderSelector path');
    const resolved = resolveLeaderSelectorOptions(options);
    this.path = path;
    this.id = resolved.id;
    this.takeLeadership = resolved.takeLeadership;
    this.autoRequeue = resolved.autoRequeue;
    this.mutex = new Mutex(client, path, { policy: resolved.policy, data: resolved.id });
  }

  /** `latent`, `started` or `closed`. */
  get state(): 'latent' | 'started' | 'closed' {
    return this.lifecycle.state;
  }

  /** True while `takeLeadership` runs. */
  hasLeadership(): boolean {
    return this.current !== undefined;
  }

  /** The current term while leading. */
  get leadership(): SelectorLeadership | undefined {
    return this.current;
  }

  /** Joins the line (once; more turns need `autoRequeue` or {@link LeaderSelector.requeue}). Throws {@link RecipeStateError} when called twice. */
  start(): void {
    this.lifecycle.start();
    this.requeue();
  }

  /**
   * Queues another turn, unless one is already queued; a turn queued while `takeLeadership` runs starts
   * after it. Returns true when it queued one. Throws {@link RecipeStateError} unless started.
   */
  requeue(): boolean {
    this.lifecycle.assertStarted('requeue()');
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
    this.attempt?.abort(new HoldLostError(this.describe(), 'interrupted'));
  }

  /** All participants in line order, ids read from their nodes; the first is the leader. */
  getParticipants(options?: WaitOptions): Promise<Participant[]> {
    return readParticipants(this.client, this.path, [SELECTOR_MARKER], options);
  }

  /** The current leader, or `undefined` when nobody is in line. */
  getLeader(options?: WaitOptions): Promise<Participant | undefined> {
    return readLeader(this.client, this.path, [SELECTOR_MARKER], options);
  }

  /**
   * Leaves: aborts the signal of a running `takeLeadership` (reason `closed`) and waits for it to return,
   * stops waiting for a turn, and deletes this participant's node. Idempotent.
   */
  close(): Promise<void> {
    this.closing ??= (async () => {
      const wasStarted = this.lifecycle.state === 'started';
      this.lifecycle.close();
      if (!wasStarted) return;
      this.queued = false;
      this.attempt?.abort(new HoldLostError(this.describe(), 'closed'));
      await this.running;
      this.removeAllListeners();
    })();
    return this.closing;
  }

  /** Same as {@link LeaderSelector.close}. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  private describe(): string {
    return `LeaderSelector ${this.path} (${this.id})`;
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
      if (!this.queued || this.lifecycle.state !== 'started') {
        this.looping = false;
        return;
      }
      this.queued = false;
      const attempt = new AbortController();
      this.attempt = attempt;
      let handle: LockHandle;
      try {
        handle = await this.mutex.acquire({ signal: attempt.signal });
      } catch (error) {
        if (attempt.signal.aborted) {
          // interruptLeadership() or close() while waiting for the turn.
          if (this.autoRequeue && this.lifecycle.state === 'started') this.queued = true;
          continue;
        }
        if (!isZkError(error, 'CLIENT_CLOSED')) this.safeEmit('error', asError(error));
        if (this.client.state === 'closed') return;
        // The turn is still owed: wait a little (and for a connection), then queue up again.
        this.queued = true;
        await delay(backoff.next(), attempt.signal).catch(() => undefined);
        if (!isWritable(this.client)) await this.client.waitConnected({ signal: attempt.signal }).catch(() => undefined);
        continue;
      }
      backoff.reset();
      await this.lead(handle, attempt);
      if (this.autoRequeue && this.lifecycle.state === 'started') this.queued = true;
    }
  }

  /** One turn: runs `takeLeadership` under a signal tied to the lock and to this selector, then releases. */
  private async lead(handle: LockHandle, attempt: AbortController): Promise<void> {
    const signal = AbortSignal.any([handle.signal, attempt.signal]);
    const leadership: SelectorLeadership = { id: this.id, fencingToken: handle.fencingToken, node: handle.path };
    this.current = leadership;
    try {
      this.safeEmit('isLeader', leadership);
      if (!signal.aborted) await this.takeLeadership(signal, leadership);
    } catch (error) {
      if (!signal.aborted || error !== signal.reason) this.safeEmit('error', asError(error));
    } finally {
      this.current = undefined;
      // Leadership ends the moment takeLeadership settles, before the node goes: no overlap with the next.
      this.safeEmit('notLeader', lossReason(signal));
      await handle.release().catch((error: unknown) => this.safeEmit('error', asError(error)));
    }
  }

  private safeEmit<E extends keyof LeaderSelectorEvents>(event: E, ...args: Parameters<LeaderSelectorEvents[E]>): void {
    try {
      (this.emit as (event: E, ...rest: Parameters<LeaderSelectorEvents[E]>) => boolean)(event, ...args);
    } catch (error) {
      if (event !== 'error') this.safeEmit('error', asError(error));
    }
  }
}

/** Why a turn ended, from its signal: the selector's own reasons, the lock's, or a normal return. */
function lossReason(signal: AbortSignal): LossReason {
  const reason: unknown = signal.reason;
  return signal.aborted && reason instanceof HoldLostError ? reason.reason : 'released';
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}
