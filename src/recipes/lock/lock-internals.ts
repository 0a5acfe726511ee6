/**
 * The engine shared by the sequential-node locks (Curator's LockInternals): one ephemeral-sequential
 * contender node per acquisition, contenders ordered by their trailing sequence whatever client wrote them,
 * a {@link LockDriver} deciding who holds, and a watch on exactly one other node while waiting.
 *
 * The loop, until held or given up:
 *   create our node + list the parent (one round trip) → decide → if waiting: watch the node the driver
 *   names, then list again when it changes or the connection comes back — except when it was the last node
 *   ahead of us and it was deleted: nodes only ever line up behind us, so we hold, and a hand-over costs
 *   the release's delete and its notification, nothing more.
 * A listing read in another session than our node's means our node is dead (or doomed): it is deleted and
 * the acquisition starts over with a new node. Giving up (timeout, abort, error) deletes our node.
 *
 * The fencing token of a hold is a zxid at least its node's czxid (the zxid of the create) and below the
 * czxid of every node created after it under the same path. Holders that conflict hold in the order of
 * their nodes' sequence, which is the order of their creates, so the token grows strictly from one holder
 * to the next. The node's czxid itself qualifies, but a create's reply carries only the path. So: when a
 * listing read after our create shows no contender behind ours, its pzxid qualifies (it is at least our
 * czxid, and a node created later has a larger czxid — one created earlier would be in the listing, unless
 * deleted, and a deleted node never holds); otherwise a stat of our node gives the czxid, read in the same
 * round trip as the watch we wait on. The uncontended fast path and a hand-over cost no extra round trip.
 */
import { protectedPrefix, sweepProtected } from '../../client/protected-create';
import type { Deadline } from '../../client/deadline';
import { isZkError, mayRecover } from '../../client/errors';
import { joinPath } from '../../client/paths';
import type { WaitOptions, ZooKeeperClient } from '../../client/types';
import { HoldSignal, type SafetyPolicy } from '../shared/hold-signal';
import { readParticipants, type Participant } from '../shared/participants';
import { sortSequentialNodes } from '../shared/sequential-nodes';
import { opOptions, waitForNodeChange, type WatchWaitOutcome } from '../shared/wait-for-change';
import {
  cleanupWait,
  createContender,
  discardNode,
  listChildren,
  releaseNode,
  type Listing,
  type OwnNode,
} from './contender-nodes';
import type { LockDriver } from './drivers';
import { acquireError, lockTimeout } from './errors';

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
}

/** A confirmed hold. */
export interface Confirmed {
  /** Our node. */
  node: OwnNode;
  /** The sequence of our node. */
  sequence: number;
  /** See the module comment. */
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
    /** Set when the node we waited for was the last one ahead and is gone: we hold without listing again. */
    let first = false;
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
            // Nobody behind us in a listing read after our create: its pzxid is a valid token (see above).
            if (node.token === undefined && ourIndex === contenders.length - 1) node.token = current.pzxid;
            const decision = driver.decide(contenders, ourIndex);
            if (!decision.held) {
              if (request.tryOnly) {
                await cleanupWait(client, discardNode(client, node.path));
                node = undefined;
                return null;
              }
              const outcome = await this.waitFor(node, decision.waitFor, request);
              if (outcome === 'session-changed' || outcome === 'gone') {
                void discardNode(client, node.path);
                node = undefined;
              } else if (outcome === 'deleted' && decision.lastBlocker) {
                first = true;
              }
              continue;
            }
          }
          first = false;
          // Held, as of the last listing (or the deletion of the last node ahead). The token is known unless
          // somebody lined up behind us before our first listing.
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
   * Waits for the node `name` ahead of ours to change. When our token is not known yet, reads our node's
   * stat (its czxid) in the same round trip as setting the watch, so a hand-over never waits for it; `gone`
   * says our own node has disappeared.
   */
  private async waitFor(node: OwnNode, name: string, request: AcquireRequest): Promise<WatchWaitOutcome | 'gone'> {
    const { client } = this;
    const own = node.token === undefined ? client.exists(node.path, opOptions(request.deadline)) : undefined;
    // Settles either way; its outcome only matters after the wait.
    const ownStat = own?.then(
      (stat) => stat,
      () => undefined,
    );
    const outcome = await waitForNodeChange(client, joinPath(this.path, name), {
      deadline: request.deadline,
      onTimeout: () => lockTimeout(this.what, this.path, request.timeoutMs),
      sessionId: node.sessionId,
    });
    if (ownStat !== undefined) {
      const stat = await ownStat;
      if (stat === null) return 'gone';
      if (stat !== undefined && client.sessionId === node.sessionId) node.token ??= stat.czxid;
    }
    return outcome;
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
