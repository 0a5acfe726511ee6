/**
 * {@link LeaderLatch}: leader election by a line of ephemeral-sequential nodes, node-compatible with Apache
 * Curator's `LeaderLatch` (`<path>/_c_<uuid>-latch-<seq10>`, the participant id as data), so Java and Node
 * participants can share one election.
 */
import { isZkError } from '../../client/errors';
import { joinPath, nodeName } from '../../client/paths';
import { isWritable, ownedByCurrentSession, whileWritable } from '../../client/protected-create';
import { ReconcileLoop } from '../../client/reconcile-loop';
import type { ConnectionState, StateInfo, WaitOptions, WatchEvent, ZooKeeperClient } from '../../client/types';
import { HoldLostError, RecipeStateError, type LossReason } from '../shared/errors';
import { guardedTransaction } from '../shared/guard';
import { lossReasonOf, type SafetyPolicy } from '../shared/hold-signal';
import { readLeader, readParticipants, type Participant } from '../shared/participants';
import { ProtectedSequentialCreate, RetainedProtectedCreate } from '../shared/protected-sequential';
import { Recipe } from '../shared/recipe';
import { sortSequentialNodes } from '../shared/sequential-nodes';
import { Waiters } from '../shared/waiters';
import { LeadershipTimeoutError } from './errors';
import { traceGained, traceLostLeadership } from './leader-trace';
import { LeaderListeners } from './leader-listeners';
import { resolveLeaderLatchOptions } from './options';
import type { LeaderLatchCloseOptions, LeaderLatchEvents, LeaderLatchListener, LeaderLatchOptions, Leadership } from './types';

/** The marker of latch nodes (Curator's `LeaderLatch.LOCK_NAME`). */
export const LATCH_MARKER = 'latch-';

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
export class LeaderLatch extends Recipe<LeaderLatchEvents> {
  /** This participant's id. */
  readonly id: string;
  private readonly policy: SafetyPolicy;
  private node: string | undefined;
  private readonly nodeCreate: RetainedProtectedCreate;
  private held: { leadership: Leadership; controller: AbortController; sessionId: string | undefined; gainedAt: number } | undefined;
  /** The fencing token of our node, once it led (see {@link Leadership.fencingToken}). */
  private token: { node: string; value: bigint } | undefined;
  /** Set by a look that found one node ahead of ours; cleared by any watch event and by the next look. */
  private secondInLine: SecondInLine | undefined;
  /** Paths our watch is set on (in this connection), so that a look does not set it twice. */
  private readonly watched = new Set<string>();
  private lastSignal: AbortSignal;
  /** Runs {@link LeaderLatch.check}, one look at the line at a time, again after a failure or a reconnect. */
  private readonly loop: ReconcileLoop;
  private readonly leaders = new Waiters<Leadership>();
  /** Who waits for our node to be in line (start()); `undefined` once it is, or once start() failed. */
  private readonly enqueued = new Waiters<void>();
  private inLine = false;
  private notifyOnClose = false;
  private readonly listenerObjects = new LeaderListeners(this);

  /** Checks every argument (TypeError/RangeError naming it); does no I/O. */
  constructor(client: ZooKeeperClient, path: string, options: LeaderLatchOptions) {
    super(client, path, 'LeaderLatch');
    const resolved = resolveLeaderLatchOptions(options);
    this.id = resolved.id;
    this.policy = resolved.policy;
    this.lastSignal = AbortSignal.abort(new HoldLostError(this.what, 'not-held'));
    this.nodeCreate = new RetainedProtectedCreate(
      () => new ProtectedSequentialCreate(this.client, path, LATCH_MARKER, 'ephemeral-sequential'),
      () => this.active,
    );
    this.loop = new ReconcileLoop(this.client, {
      step: () => this.check(),
      active: () => this.active,
      onError: (error) => this.onError(error),
    });
  }

  /** The current term while this participant leads, else `undefined`. */
  get leadership(): Leadership | undefined {
    return this.active ? this.held?.leadership : undefined;
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
   * Resolves with the term once this participant is the leader (at once when it already is). Rejects with a
   * {@link LeadershipTimeoutError} after `timeoutMs`, with `signal.reason` on abort, and with a
   * {@link RecipeStateError} when the latch is not started or gets closed.
   */
  async waitForLeadership(options?: WaitOptions): Promise<Leadership> {
    // Checked and registered in one synchronous step, so that a close() right after this call fails it.
    if (!this.active) await this.whenStarted('waitForLeadership()');
    const current = this.leadership;
    if (current !== undefined) return current;
    return this.leaders.wait(
      options,
      () => new LeadershipTimeoutError(`${this.what}: not the leader within ${options?.timeoutMs} ms`, { path: this.path, timeoutMs: options?.timeoutMs ?? 0 }),
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

  /** Adds a listener object (Curator's `LeaderLatchListener`); returns a function that removes it. */
  addLeaderListener(listener: LeaderLatchListener): () => void {
    return this.listenerObjects.add(listener);
  }

  /** Removes a listener object added by {@link LeaderLatch.addLeaderListener}. */
  removeLeaderListener(listener: LeaderLatchListener): void {
    this.listenerObjects.remove(listener);
  }

  /**
   * Leaves the election: a leader's signal aborts (and `notLeader` is emitted with `notifyLeader`) *before*
   * its node is deleted, so the next leader can never overlap with this one. Resolves once the node is
   * deleted (when disconnected, the delete continues in the background as a guaranteed delete). Idempotent.
   */
  override close(options?: LeaderLatchCloseOptions): Promise<void> {
    if (this.state !== 'closed') this.notifyOnClose = options?.notifyLeader === true;
    return super.close();
  }

  protected override get what(): string {
    return `${super.what} (${this.id})`;
  }

  /** Joins the line: resolves once our node is in it (leadership may follow at any time). */
  protected async onStart(): Promise<void> {
    this.client.on('state', this.onState);
    this.loop.kick();
    if (!this.inLine) await this.enqueued.wait(undefined, () => new Error('unreachable'));
  }

  protected async onClose(): Promise<void> {
    this.client.off('state', this.onState);
    this.loop.stop();
    this.loseLeadership('closed', this.notifyOnClose);
    const closed = new RecipeStateError(`${this.what}: closed`);
    this.leaders.failAll(closed);
    this.enqueued.failAll(closed);
    const node = this.node;
    this.node = undefined;
    // A create still in flight cleans up after itself when it returns (the loop sees the latch closed).
    if (node !== undefined) await this.deleteNode(node, true);
    else if (!this.loop.busy) await this.nodeCreate.cleanUp();
    this.listenerObjects.clear();
    this.removeAllListeners();
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

  /** A look failed for a reason other than the connection: before the node is in line, start() fails with it; later it is reported. */
  private onError(error: Error): void {
    if (this.inLine) this.safeEmit('error', error);
    else this.enqueued.failAll(error);
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
      if (!isWritable(this.client) || stat === null) return; // suspended meanwhile: the reconnect looks again
      // Nobody behind us in a listing read after our create: its pzxid is a valid token, else our czxid.
      this.gainLeadership(node, this.tokenOf(node, index === line.length - 1 ? pzxid : stat.czxid));
      return;
    }
    this.loseLeadership('node-deleted');
    const ahead = line.slice(Math.max(0, index - 2), index).map((entry) => joinPath(this.path, entry.name)).reverse();
    const predecessor = ahead[0] ?? '';
    if (index === 1) {
      // Our stat came with the listing (same round trip): remember what the shortcut in onWatch needs.
      const stat = await own.catch(() => null);
      if (!this.active || this.node !== node) return;
      if (stat !== null && ownedByCurrentSession(stat, this.client)) {
        this.secondInLine = { node, predecessor, czxid: stat.czxid, sessionId: this.client.sessionId };
      }
    }
    // Watch the predecessor, and, further back, the node before it too: its deletion tells us when we become
    // second in line, so that the next leader change needs no listing (two notifications per change at most).
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
    this.inLine = true;
    this.enqueued.wake();
  }

  /** The token of `node`: the one it led with before, else `candidate` (see {@link Leadership.fencingToken}). */
  private tokenOf(node: string, candidate: bigint): bigint {
    if (this.token?.node !== node) this.token = { node, value: candidate };
    return this.token.value;
  }

  private gainLeadership(node: string, fencingToken: bigint): void {
    if (this.held !== undefined) return;
    const controller = new AbortController();
    const what = `${this.what}: term of leadership`;
    const leadership: Leadership = {
      id: this.id,
      fencingToken,
      signal: controller.signal,
      node,
      guardedTransaction: () => guardedTransaction(this.client, node, what, controller.signal.aborted ? 'ended' : undefined),
    };
    const sessionId = this.client.sessionId;
    this.held = { leadership, controller, sessionId, gainedAt: traceGained('LeaderLatch', this.path, sessionId) };
    this.lastSignal = controller.signal;
    this.leaders.wake(leadership);
    this.safeEmit('isLeader', leadership);
  }

  /** Ends the current term, if any: aborts its signal first, then (when `notify`) emits `notLeader`. */
  private loseLeadership(reason: LossReason, notify = true): void {
    const held = this.held;
    if (held === undefined) return;
    this.held = undefined;
    held.controller.abort(new HoldLostError(this.what, reason));
    traceLostLeadership('LeaderLatch', this.path, held.sessionId, held.gainedAt, reason);
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
}
