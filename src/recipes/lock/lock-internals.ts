/**
 * The engine shared by the sequential-node locks (Curator's LockInternals): one ephemeral-sequential
 * contender node per acquisition, contenders ordered by their trailing sequence whatever client wrote them,
 * a {@link LockDriver} deciding who holds, and watches on the (at most two) nearest nodes that block us.
 *
 * The loop, until held or given up:
 *   create our node + list the parent (one round trip) → decide → if waiting: watch the predecessor and the
 *   node before it, then count deletions off without listing: nodes only ever line up behind us, so when the
 *   last node ahead goes we hold, and when one of the two goes and the other is the last node ahead we are
 *   second in line and wait on. A hand-over thus costs the release's delete and its notification, nothing
 *   more, however long the line; one release notifies its two successors at most. Any doubt (a change other
 *   than a deletion, a connection change, a deletion that may have left a node in its place, more nodes
 *   ahead than we watch) means listing again.
 * A listing read in another session than our node's means our node is dead (or doomed): it is deleted and
 * the acquisition starts over with a new node. Giving up (timeout, abort, error) deletes our node.
 *
 * The fencing token of a hold is its node's czxid (the zxid of the create), from the create's own reply
 * (create2). Holders that conflict hold in the order of their nodes' sequence, which is the order of their
 * creates, so the token grows strictly from one holder to the next. On a transport without create2 it is
 * read with one `exists` once held.
 */
import { protectedPrefix, sweepProtected } from '../../client/protected-create';
import type { Deadline } from '../../client/deadline';
import { isZkError, mayRecover } from '../../client/errors';
import { joinPath } from '../../client/paths';
import type { WaitOptions, WatchEvent, ZooKeeperClient } from '../../client/types';
import { HoldSignal, type SafetyPolicy } from '../shared/hold-signal';
import { readParticipants, type Participant } from '../shared/participants';
import { sortSequentialNodes } from '../shared/sequential-nodes';
import { opOptions, waitForWatchOrState } from '../shared/wait-for-change';
import {
  cleanupWait,
  createContender,
  discardNode,
  listChildren,
  releaseNode,
  type Listing,
  type OwnNode,
} from './contender-nodes';
import type { LockDecision, LockDriver } from './drivers';
import { acquireError, lockTimeout } from './errors';
import { NodeWatches } from './node-watches';

/** One acquisition: how long to wait, and whether to wait at all. */
export interface AcquireRequest {
  /** Bounds every request and wait (time and abort signal). */
  deadline: Deadline;
  /** The caller's `timeoutMs`, for the error message. */
  timeoutMs: number;
  /** Decide once, never wait: resolve `null` when not held at once. */
  tryOnly: boolean;
  /** Called (once per node) when our node is created and in line. */
  onQueued?: (() => void) | undefined;
  /** The trace clock (`traceClock`) when the acquisition began, for the wait time its event reports. @default 0 */
  waitStart?: number;
}

/** A confirmed hold. */
export interface Confirmed {
  /** Our node. */
  node: OwnNode;
  /** The sequence of our node. */
  sequence: number;
  /** The node's czxid (see the module comment). */
  fencingToken: bigint;
  /** Aborted once the hold is no longer certain. */
  holdSignal: HoldSignal;
}

/** Runs acquisitions and releases of one lock kind at one path. */
export class LockInternals {
  constructor(
    readonly client: ZooKeeperClient,
    /** The lock's path (parent of the contender nodes). */
    readonly path: string,
    private readonly driver: LockDriver,
    private readonly policy: SafetyPolicy,
    private readonly data: Buffer,
    /** How the lock is named in messages, e.g. `Mutex /locks/a`. */
    readonly what: string,
  ) {}

  /** Acquires (see the module comment). Resolves `null` only for `tryOnly` requests that did not get it. */
  async acquire(request: AcquireRequest): Promise<Confirmed | null> {
    const { client, driver, path } = this;
    const { deadline } = request;
    const prefix = protectedPrefix();
    let node: OwnNode | undefined;
    let listing: Listing | undefined;
    let createSent = false;
    let missing = 0;
    /** Set when the nodes ahead of ours are known to be gone without a listing: we hold. */
    let first = false;
    /** Watches set during this acquisition, kept across its waits so that a node is watched once. */
    const watches = new NodeWatches(client);
    try {
      for (;;) {
        try {
          if (node === undefined) {
            if (createSent) this.checkTime(request);
            createSent = true;
            first = false;
            ({ node, listing } = await createContender(client, path, prefix, driver.marker, this.data, deadline));
            request.onQueued?.();
          }
          if (!first) {
            const current: Listing = listing ?? (await listChildren(client, path, deadline));
            listing = undefined;
            if (current.sessionId !== node.sessionId) {
              // Our node belongs to a session that is gone: delete it (it may linger until the server
              // expires that session) and start over in the new one.
              void discardNode(client, node.path);
              node = undefined;
              continue;
            }
            const contenders = sortSequentialNodes(current.children, driver.markers);
            const ours = node.name;
            const ourIndex = contenders.findIndex((contender) => contender.name === ours);
            for (const stray of contenders) {
              // A second node with our prefix (a create applied after its reply was lost): never ours to keep.
              if (stray.name !== node.name && stray.name.startsWith(prefix)) void discardNode(client, joinPath(path, stray.name));
            }
            if (ourIndex < 0) {
              // Not listed: the listing raced the create (list once more), or the node is gone (start over).
              missing += 1;
              if (missing > 1) {
                node = undefined;
                missing = 0;
              }
              continue;
            }
            missing = 0;
            const decision = driver.decide(contenders, ourIndex);
            if (!decision.held) {
              if (request.tryOnly) {
                await cleanupWait(client, discardNode(client, node.path));
                node = undefined;
                return null;
              }
              const outcome = await this.waitInLine(node, decision, watches, request);
              if (outcome === 'session-changed') {
                void discardNode(client, node.path);
                node = undefined;
              } else if (outcome === 'held') {
                first = true;
              }
              continue;
            }
          }
          first = false;
          // Held, as of the last listing (or the deletions of the nodes ahead). The token is known unless the
          // transport has no create2.
          if (node.token === undefined) {
            const stat = await client.exists(node.path, opOptions(deadline));
            if (stat === null) {
              node = undefined;
              continue;
            }
            node.token = stat.czxid;
          }
          if (client.sessionId !== node.sessionId) continue; // the listing above will notice and start over
          const holdSignal = new HoldSignal(client, this.policy, this.what);
          if (!holdSignal.aborted) return { node, sequence: node.sequence, fencingToken: node.token, holdSignal };
          holdSignal.abort('released');
          // Not certain right now (suspended under the standard policy): confirm again once reconnected.
        } catch (error) {
          first = false;
          // The parent is gone, so is our node (a container parent reaped after our session ended): start over.
          if (isZkError(error, 'NO_NODE') && error.operation === 'getChildren' && node !== undefined) {
            node = undefined;
            continue;
          }
          // Connection trouble that outlasted the client's own retries: go round again while time is left.
          if (!mayRecover(error)) throw error;
          watches.clear();
          this.checkTime(request);
          if (error.code === 'SESSION_EXPIRED' && node !== undefined) {
            void discardNode(client, node.path);
            node = undefined;
          }
        }
      }
    } catch (error) {
      if (node !== undefined) await cleanupWait(client, discardNode(client, node.path));
      else if (createSent) await cleanupWait(client, sweepProtected(client, path, prefix));
      throw this.translate(error, request);
    }
  }

  /**
   * Waits in line behind the nodes `decision` names (see the module comment): `held` once the nodes ahead
   * are known to be gone, `relist` when a listing must decide, `session-changed` when our node's session is
   * gone.
   */
  private async waitInLine(
    node: OwnNode,
    decision: Extract<LockDecision, { held: false }>,
    watches: NodeWatches,
    request: AcquireRequest,
  ): Promise<'held' | 'relist' | 'session-changed'> {
    const { client } = this;
    let blockers = decision.blockers;
    const watching = decision.watch.map((blocker) => ({ ...blocker, path: joinPath(this.path, blocker.name) }));
    for (;;) {
      let hit: { index: number; event: WatchEvent } | undefined;
      const fired = Promise.race(watching.map(({ path }, index) => watches.get(path).fired.then((event) => ({ index, event })))).then((first) => {
        hit = first;
        return first.event;
      });
      const outcome = await waitForWatchOrState(
        client,
        fired,
        async () => {
          await Promise.all(watching.map(({ path }) => watches.arm(path, request.deadline)));
          return 'armed';
        },
        { deadline: request.deadline, onTimeout: () => lockTimeout(this.what, this.path, request.timeoutMs), sessionId: node.sessionId },
      );
      if (outcome === 'recheck' || outcome === 'session-changed') {
        // The server keeps a session's watches across reconnects, but what we saw of the line is in doubt.
        watches.clear();
        return outcome === 'recheck' ? 'relist' : outcome;
      }
      if (hit === undefined) return 'relist';
      const [gone] = watching.splice(hit.index, 1);
      if (gone === undefined) return 'relist';
      watches.forget(gone.path);
      if (outcome !== 'deleted' || !gone.final) return 'relist';
      blockers -= 1;
      if (blockers === 0) return 'held';
      // Every node still ahead of ours is watched already (we became second in line): wait on, no listing.
      if (blockers !== watching.length) return 'relist';
    }
  }

  /** Deletes a held node (see {@link releaseNode}). */
  release(nodePath: string, sessionId: string | undefined): Promise<void> {
    return releaseNode(this.client, nodePath, sessionId);
  }

  /** The contenders in order (holder first for exclusive locks), with their data. */
  participants(options?: WaitOptions): Promise<Participant[]> {
    return readParticipants(this.client, this.path, this.driver.markers, options);
  }

  /** Throws the abort reason, or a timeout once the deadline passed. */
  private checkTime(request: AcquireRequest): void {
    request.deadline.throwIfAborted();
    if (request.deadline.expired()) throw lockTimeout(this.what, this.path, request.timeoutMs);
  }

  /** What the caller sees when an acquisition fails: the abort reason, a timeout, or the error itself. */
  private translate(error: unknown, request: AcquireRequest): unknown {
    return acquireError(error, request.deadline, this.what, this.path, request.timeoutMs);
  }

}
