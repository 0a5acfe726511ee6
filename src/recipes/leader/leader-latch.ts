/**
 * {@link LeaderLatch}: leader election by a line of ephemeral-sequential nodes, node-compatible with Apache
 * Curator's `LeaderLatch` (`<path>/_c_<uuid>-latch-<seq10>`, the participant id as data), so Java and Node
 * participants can share one election.
 */
import { EventEmitter } from 'eventemitter3';
import { Deadline, waitUntil } from '../../client/deadline';
import { isZkError } from '../../client/errors';
import { joinPath, nodeName, validatePath } from '../../client/paths';
import type { ConnectionState, StateInfo, WaitOptions, WatchEvent, ZooKeeperClient } from '../../client/types';
import { validateWaitOptions } from '../../client/validate';
import { RecipeStateError } from '../shared/errors';
import { lossReasonOf, type SafetyPolicy } from '../shared/hold-signal';
import { Lifecycle } from '../shared/lifecycle';
import { ProtectedSequentialCreate, RetainedProtectedCreate } from '../shared/protected-sequential';
import { ReconcileLoop } from '../../client/reconcile-loop';
import { sortSequentialNodes } from '../shared/sequential-nodes';
import { isWritable, ownedByCurrentSession, whileWritable } from '../../client/protected-create';
import { HoldLostError, type LossReason } from '../shared/errors';
import { LeadershipTimeoutError } from './errors';
import { resolveLeaderLatchOptions } from './options';
import { readLeader, readParticipants, type Participant } from '../shared/participants';
import { checkClient } from '../shared/check-client';

/** The marker of latch nodes (Curator's `LeaderLatch.LOCK_NAME`). */
export const LATCH_MARKER = 'latch-';

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

/** One term of leadership, from `isLeader` until `notLeader`. */
export interface Leadership {
  /** The participant id of this latch. */
  readonly id: string;
  /**
   * Fencing token of this term: a zxid at least the czxid of this participant's node and below the czxid of
   * every node created after it (the node's czxid, or the pzxid of a listing that showed nobody behind it).
   * Leaders lead in the order of their nodes, so it grows strictly from one leader to the next and other
   * systems can reject writes from a deposed leader. Terms of the same node (leading again after a
   * suspension, nobody else having led in between) share it.
   */
  readonly fencingToken: bigint;
  /** Aborted (with a {@link HoldLostError}) the moment this term ends. */
  readonly signal: AbortSignal;
  /** Path of this participant's node. */
  readonly node: string;
}

/** The listener-object form of the latch's events (Curator's `LeaderLatchListener`). */
export interface LeaderLatchListener {
  /** This participant became the leader. */
  isLeader?(leadership: Leadership): void;
  /** This participant stopped being the leader. */
  notLeader?(reason: LossReason): void;
}

/** Events of a {@link LeaderLatch}. */
export interface LeaderLatchEvents {
  /** This participant became the leader (its node is first, owned by the current session, connected). */
  isLeader: (leadership: Leadership) => void;
  /** This participant stopped being the leader; the term's signal is already aborted. */
  notLeader: (reason: LossReason) => void;
  /** A background operation failed for a reason other than the connection; the latch keeps trying. */
  error: (error: Error) => void;
}

/** Options of {@link LeaderLatch.close}. */
export interface LeaderLatchCloseOptions {
  /** Emit `notLeader` when closing a leading latch (Curator's `CloseMode.NOTIFY_LEADER`). @default false */
  notifyLeader?: boolean;
}

type Waiter = { done: (leadership: Leadership) => void; fail: (error: unknown) => void };

/** What the last look found when exactly one node was ahead of ours (see {@link LeaderLatch}'s onWatch). */
interface SecondInLine {
  node: string;
  predecessor: string;
  czxid: bigint;
  sessionId: string | undefined;
}

/**
 * Leader election among any number of participants: the one whose node is first in line is the leader; each
 * other watches its predecessor and the node before that, so a leader change notifies two participants at
 * most (no herd effect) and the new second in line knows it is: the next change costs it no listing.
 * Leadership is given up as soon as it is not certain (at `suspended` under the default policy) and taken
 * back after reconnecting only when the node is still there, still first and owned by the current session;
 * after a session loss the node is created anew.
 *
 * @example
 * ```ts
 * const latch = new LeaderLatch(client, '/services/billing/leader', { id: 'billing-7f3a' });
 * latch.on('isLeader', ({ signal, fencingToken }) => runMasterDuties({ signal, fencingToken }));
 * latch.on('notLeader', (reason) => log.warn({ reason }, 'lost leadership'));
 * await latch.start();
 * const leader = await latch.getLeader();         // { id, isLeader: true, node } of whoever leads
 * await latch.close();                            // leaves the election; a leader's signal aborts first
 * ```
 */
export class LeaderLatch extends EventEmitter<LeaderLatchEvents> {
  /** The election path. */
  readonly path: string;
  /** This participant's id. */
  readonly id: string;
  private readonly policy: SafetyPolicy;
  private readonly lifecycle = new Lifecycle('LeaderLatch');
  private node: string | undefined;
  private readonly nodeCreate: RetainedProtectedCreate;
  private held: { leadership: Leadership; controller: AbortController } | undefined;
  /** The fencing token of our node, once it led (see {@link Leadership.fencingToken}). */
  private token: { node: string; value: bigint } | undefined;
  /** Set by a look that found one node ahead of ours; cleared by any watch event and by the next look. */
  private secondInLine: SecondInLine | undefined;
  /** Paths our watch is set on (in this connection), so that a look does not set it twice. */
  private readonly watched = new Set<string>();
  private lastSignal: AbortSignal;
  /** Runs {@link LeaderLatch.check}, one look at the line at a time, again after a failure or a reconnect. */
  private readonly loop: ReconcileLoop;
  private closing: Promise<void> | undefined;
  private readonly waiters = new Set<Waiter>();
  private readonly listenerObjects = new Map<LeaderLatchListener, () => void>();
  private enqueuedSettled = false;
  private resolveEnqueued!: () => void;
  private rejectEnqueued!: (error: unknown) => void;
  private readonly enqueued = new Promise<void>((resolve, reject) => {
    this.resolveEnqueued = resolve;
    this.rejectEnqueued = reject;
  });

  /** Checks every argument; does no I/O. Throws `TypeError`/`RangeError` for bad input. */
  constructor(
    private readonly client: ZooKeeperClient,
    path: string,
    options: LeaderLatchOptions,
  ) {
    super();
    checkClient(client, 'LeaderLatch');
    validatePath(path, 'LeaderLatch path');
    const resolved = resolveLeaderLatchOptions(options);
    this.path = path;
    this.id = resolved.id;
    this.policy = resolved.policy;
    this.lastSignal = AbortSignal.abort(new HoldLostError(this.describe(), 'not-held'));
    this.enqueued.catch(() => undefined);
    this.nodeCreate = new RetainedProtectedCreate(
      () => new ProtectedSequentialCreate(client, path, LATCH_MARKER, 'ephemeral-sequential'),
      () => this.active,
    );
    this.loop = new ReconcileLoop(client, {
      step: () => this.check(),
      active: () => this.active,
      onError: (error) => this.onError(error),
    });
  }

  /** `latent`, `started` or `closed`. */
  get state(): 'latent' | 'started' | 'closed' {
    return this.lifecycle.state;
  }

  /** The current term while this participant leads, else `undefined`. */
  get leadership(): Leadership | undefined {
    return this.lifecycle.state === 'started' ? this.held?.leadership : undefined;
  }

  /** The current term's signal; when not leading, an already aborted signal (of the last term, if any). */
  get signal(): AbortSignal {
    return this.held?.leadership.signal ?? this.lastSignal;
  }

  /** The current term's fencing token, while leading. */
  get fencingToken(): bigint | undefined {
    return this.leadership?.fencingToken;
  }

  /** Path of this participant's node, while it has one. */
  get nodePath(): string | undefined {
    return this.node;
  }

  /** True while started and the leader. */
  hasLeadership(): boolean {
    return this.leadership !== undefined;
  }

  /**
   * Joins the election. Resolves once this participant's node is in line (leadership may follow at any time;
   * see {@link LeaderLatch.await}); rejects if the node cannot be created for a reason other than the
   * connection (e.g. `NO_AUTH`), or when the latch is closed first. The latch keeps trying in the background
   * either way until closed. Throws {@link RecipeStateError} at once when called a second time.
   */
  start(): Promise<void> {
    this.lifecycle.start();
    this.client.on('state', this.onState);
    this.loop.kick();
    return this.enqueued;
  }

  /**
   * Resolves with the term once this participant is the leader (at once when it already is). Rejects with a
   * {@link LeadershipTimeoutError} after `timeoutMs`, with `signal.reason` on abort, and with a
   * {@link RecipeStateError} when the latch is not started or gets closed.
   */
  async await(options: WaitOptions = {}): Promise<Leadership> {
    validateWaitOptions(options);
    this.lifecycle.assertStarted('await()');
    const current = this.leadership;
    if (current !== undefined) return current;
    return waitUntil<Leadership>(
      Deadline.from(options),
      (done, fail) => {
        const waiter: Waiter = { done, fail };
        this.waiters.add(waiter);
        return () => this.waiters.delete(waiter);
      },
      () => new LeadershipTimeoutError(`${this.describe()}: not the leader within ${options.timeoutMs} ms`, { path: this.path, timeoutMs: options.timeoutMs ?? 0 }),
    );
  }

  /** All participants in line order, ids read from their nodes; the first is the leader. */
  getParticipants(options?: WaitOptions): Promise<Participant[]> {
    return readParticipants(this.client, this.path, [LATCH_MARKER], options);
  }

  /** The current leader, or `undefined` when nobody is in line. */
  getLeader(options?: WaitOptions): Promise<Participant | undefined> {
    return readLeader(this.client, this.path, [LATCH_MARKER], options);
  }

  /** Adds a listener object; returns a function that removes it. */
  addLeaderListener(listener: LeaderLatchListener): () => void {
    if (typeof listener !== 'object' || listener === null) throw new TypeError('LeaderLatch: listener must be an object');
    this.removeLeaderListener(listener);
    const onIsLeader = (leadership: Leadership): void => listener.isLeader?.(leadership);
    const onNotLeader = (reason: LossReason): void => listener.notLeader?.(reason);
    this.on('isLeader', onIsLeader);
    this.on('notLeader', onNotLeader);
    const remove = (): void => {
      this.off('isLeader', onIsLeader);
      this.off('notLeader', onNotLeader);
      this.listenerObjects.delete(listener);
    };
    this.listenerObjects.set(listener, remove);
    return remove;
  }

  /** Removes a listener object added by {@link LeaderLatch.addLeaderListener}. */
  removeLeaderListener(listener: LeaderLatchListener): void {
    this.listenerObjects.get(listener)?.();
  }

  /**
   * Leaves the election: a leader's signal aborts (and `notLeader` is emitted with `notifyLeader`) *before*
   * its node is deleted, so the next leader can never overlap with this one. Resolves once the node is
   * deleted (when disconnected, the delete continues in the background as a guaranteed delete). Idempotent.
   */
  close(options: LeaderLatchCloseOptions = {}): Promise<void> {
    this.closing ??= this.doClose(options.notifyLeader === true);
    return this.closing;
  }

  /** Same as {@link LeaderLatch.close} with default options. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  private async doClose(notifyLeader: boolean): Promise<void> {
    const wasStarted = this.lifecycle.state === 'started';
    this.lifecycle.close();
    if (!wasStarted) return;
    this.client.off('state', this.onState);
    this.loop.stop();
    this.loseLeadership('closed', notifyLeader);
    const closed = new RecipeStateError(`${this.describe()}: closed`);
    for (const waiter of [...this.waiters]) waiter.fail(closed);
    this.settleEnqueued(closed);
    const node = this.node;
    this.node = undefined;
    // A create still in flight cleans up after itself when it returns (the loop sees the latch closed).
    if (node !== undefined) await this.deleteNode(node, true);
    else if (!this.loop.busy) await this.nodeCreate.cleanUp();
    this.removeAllListeners();
    this.listenerObjects.clear();
  }

  private get active(): boolean {
    return this.lifecycle.state === 'started';
  }

  private describe(): string {
    return `LeaderLatch ${this.path} (${this.id})`;
  }

  /** The one switch over connection states. */
  private readonly onState = (state: ConnectionState, info: StateInfo): void => {
    // Set them again after any connection change (a duplicate only means one more look); and what the last
    // look found no longer counts for the shortcut in onWatch.
    this.watched.clear();
    this.secondInLine = undefined;
    const loss = lossReasonOf(state, info, this.policy);
    if (loss !== undefined) this.loseLeadership(loss);
    // The node belongs to a session that is gone: a new one is made on the next look.
    if (loss === 'lost' || loss === 'session-changed') this.forgetNode();
    if (state === 'connected' || state === 'reconnected') this.loop.kick();
  };

  /**
   * Watch callback for the predecessor and our own node: look again. Except when the last look found
   * exactly one node ahead of ours and this is that node's deletion, with nothing else seen in between:
   * nodes only ever line up behind ours, so ours is first now and we lead at once, without listing again
   * (a failover then costs the old leader's session end and one notification). The watch on our own node,
   * set by that look, is still armed and tells us if it goes.
   */
  private readonly onWatch = (event: WatchEvent): void => {
    this.watched.delete(event.path);
    const second = this.secondInLine;
    this.secondInLine = undefined;
    if (
      second !== undefined &&
      event.type === 'deleted' &&
      event.path === second.predecessor &&
      this.active &&
      this.node === second.node &&
      !this.loop.busy &&
      isWritable(this.client) &&
      this.client.sessionId === second.sessionId
    ) {
      this.gainLeadership(second.node, this.tokenOf(second.node, second.czxid));
      return;
    }
    this.loop.kick();
  };

  /** A look failed for a reason other than the connection: report it; before the node exists, start() fails with it. */
  private onError(error: Error): void {
    this.safeEmit('error', error);
    if (this.node === undefined) this.settleEnqueued(error);
  }

  /** One look at the line: create our node if needed, then lead, or watch the predecessor. */
  private async check(): Promise<void> {
    this.secondInLine = undefined;
    if (!isWritable(this.client)) return; // the next `connected`/`reconnected` looks again
    if (this.node === undefined) await this.createNode();
    const node = this.node;
    if (!this.active || node === undefined) return;

    // Our own node's stat (owner) and a watch on it, sent together with the listing: a participant that
    // turns out to be first leads after one round trip, not two. getData, not exists: no watch is left
    // behind on a node that is already gone.
    const watchOwn = !this.watched.has(node);
    if (watchOwn) this.watched.add(node);
    const own = this.client.getData(node, watchOwn ? { watch: this.onWatch } : {}).then(
      ({ stat }) => stat,
      (error: unknown) => {
        if (watchOwn) this.watched.delete(node);
        if (isZkError(error, 'NO_NODE')) return null;
        throw error;
      },
    );
    own.catch(() => undefined); // awaited only when first in line
    let children: string[];
    let pzxid: bigint;
    try {
      const result = await this.client.getChildren(this.path);
      children = result.children;
      pzxid = result.stat.pzxid;
    } catch (error) {
      if (!isZkError(error, 'NO_NODE')) throw error;
      children = [];
      pzxid = 0n;
    }
    if (!this.active || this.node !== node) return;
    const line = sortSequentialNodes(children, [LATCH_MARKER]);
    const index = line.findIndex((entry) => entry.name === nodeName(node));
    if (index < 0) {
      // Deleted by someone, or gone with an expired session: not ours to lead with any more.
      this.loseLeadership('node-deleted');
      this.forgetNode();
      this.loop.kick();
      return;
    }
    if (index === 0) {
      // First in line: lead only if the node belongs to this session (not one left by an old session). The
      // watch on our own node tells a leader at once when someone deletes it.
      const stat = await own;
      if (!this.active || this.node !== node) return;
      if (!ownedByCurrentSession(stat, this.client)) {
        this.loseLeadership('node-deleted');
        this.forgetNode();
        this.loop.kick();
        return;
      }
      if (!isWritable(this.client)) return; // suspended meanwhile: the reconnect looks again
      // Nobody behind us in a listing read after our create: its pzxid is a valid token, else our czxid.
      this.gainLeadership(node, this.tokenOf(node, index === line.length - 1 ? pzxid : stat!.czxid));
      return;
    }
    this.loseLeadership('node-deleted');
    const predecessor = joinPath(this.path, line[index - 1]!.name);
    if (index === 1) {
      // Our stat came with the listing (same round trip): remember what the shortcut in onWatch needs.
      const stat = await own.catch(() => null);
      if (!this.active || this.node !== node) return;
      if (ownedByCurrentSession(stat, this.client)) {
        this.secondInLine = { node, predecessor, czxid: stat!.czxid, sessionId: this.client.sessionId };
      }
    }
    // Watch the predecessor, and, further back, the node before it too: its deletion tells us when we become
    // second in line, so that the next leader change needs no listing (two notifications per change at most).
    const ahead = index === 1 ? [predecessor] : [predecessor, joinPath(this.path, line[index - 2]!.name)];
    const armed = await Promise.all(ahead.map((path) => this.watch(path)));
    if (armed.includes(false)) this.loop.kick(); // one of them is gone already: look again
  }

  /**
   * Sets our watch on `path` unless it is set already; false when the node does not exist. getData, not
   * exists: no watch is left behind on a node that is already gone.
   */
  private async watch(path: string): Promise<boolean> {
    if (this.watched.has(path)) return true;
    // Marked before the reply: its notification may be handled before this continuation runs.
    this.watched.add(path);
    try {
      await this.client.getData(path, { watch: this.onWatch });
      return true;
    } catch (error) {
      this.watched.delete(path);
      if (!isZkError(error, 'NO_NODE')) throw error;
      return false;
    }
  }

  private async createNode(): Promise<void> {
    const created = await this.nodeCreate.create(this.id);
    if (!this.active) {
      void this.deleteNode(created, false);
      return;
    }
    this.node = created;
    this.settleEnqueued();
  }

  /** The token of `node`: the one it led with before, else `candidate` (see {@link Leadership.fencingToken}). */
  private tokenOf(node: string, candidate: bigint): bigint {
    if (this.token?.node !== node) this.token = { node, value: candidate };
    return this.token.value;
  }

  private gainLeadership(node: string, fencingToken: bigint): void {
    if (this.held !== undefined) return;
    const controller = new AbortController();
    const leadership: Leadership = { id: this.id, fencingToken, signal: controller.signal, node };
    this.held = { leadership, controller };
    this.lastSignal = controller.signal;
    for (const waiter of [...this.waiters]) waiter.done(leadership);
    this.safeEmit('isLeader', leadership);
  }

  /** Ends the current term, if any: aborts its signal first, then (when `notify`) emits `notLeader`. */
  private loseLeadership(reason: LossReason, notify = true): void {
    const held = this.held;
    if (held === undefined) return;
    this.held = undefined;
    held.controller.abort(new HoldLostError(this.describe(), reason));
    if (notify) this.safeEmit('notLeader', reason);
  }

  /** Drops our node (deleting it in the background): a new one is created on the next look. */
  private forgetNode(): void {
    const node = this.node;
    this.node = undefined;
    if (node !== undefined) void this.deleteNode(node, false);
  }

  /**
   * Deletes a node of ours, guaranteed. With `wait`, resolves once it is deleted or once the connection is
   * lost (the delete then goes on in the background). Never rejects.
   */
  private async deleteNode(node: string, wait: boolean): Promise<void> {
    const deleting = this.client.delete(node, { guaranteed: true }).catch(() => undefined);
    if (wait) await whileWritable(this.client, deleting);
  }

  private settleEnqueued(error?: unknown): void {
    if (this.enqueuedSettled) return;
    this.enqueuedSettled = true;
    if (error === undefined) this.resolveEnqueued();
    else this.rejectEnqueued(error);
  }

  private safeEmit<E extends keyof LeaderLatchEvents>(event: E, ...args: Parameters<LeaderLatchEvents[E]>): void {
    try {
      (this.emit as (event: E, ...rest: Parameters<LeaderLatchEvents[E]>) => boolean)(event, ...args);
    } catch (error) {
      // A listener threw: report it without disturbing the election.
      if (event !== 'error') this.safeEmit('error', error instanceof Error ? error : new Error(String(error)));
    }
  }
}
