/**
 * The engine shared by the sequential-node locks (Curator's LockInternals): one ephemeral-sequential
 * contender node per acquisition, contenders ordered by their trailing sequence whatever client wrote them,
 * a {@link LockDriver} deciding who holds, and a watch on exactly one other node while waiting.
 *
 * The loop, until held or given up:
 *   create our node + list the parent (one round trip) → decide → if waiting: watch the node the driver
 *   names, then list again when it changes or the connection comes back.
 * A listing read in another session than our node's means our node is dead (or doomed): it is deleted and
 * the acquisition starts over with a new node. Giving up (timeout, abort, error) deletes our node.
 *
 * The fencing token of a hold is the parent's `pzxid` in the listing that confirmed it. That listing shows
 * our node present, so every earlier holder's listing showed a state before our node's predecessor (the
 * earlier holder's node, or a node behind it) was deleted, while ours shows a state after it: the server
 * applies transactions in zxid order and `pzxid` is the zxid of the last child added or removed, so the
 * later holder's token is strictly greater. No extra round trip: the listing is needed anyway.
 */
import type { Deadline } from '../../client/deadline';
import { isZkError } from '../../client/errors';
import { joinPath } from '../../client/paths';
import type { ZooKeeperClient } from '../../client/types';
import { HoldSignal, type SafetyPolicy } from '../shared/hold-signal';
import { sortSequentialNodes } from '../shared/sequential-nodes';
import { waitForNodeChange } from '../shared/wait-for-change';
import {
  boundedWait,
  CLEANUP_WAIT_MS,
  createContender,
  discardNode,
  listChildren,
  protectedPrefix,
  releaseNode,
  sweepPrefix,
  type Listing,
  type OwnNode,
} from './contender-nodes';
import type { LockDriver } from './drivers';
import { LockTimeoutError } from './errors';
import type { Participant } from './types';

/** One acquisition: how long to wait, and whether to wait at all. */
export interface AcquireRequest {
  /** Bounds every request and wait (time and abort signal). */
  deadline: Deadline;
  /** The caller's `timeoutMs`, for the error message. */
  timeoutMs: number;
  /** Decide once, never wait: resolve `null` when not held at once. */
  tryOnly: boolean;
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
    try {
      for (;;) {
        try {
          if (node === undefined) {
            if (createSent) this.checkTime(request);
            createSent = true;
            ({ node, listing } = await createContender(client, path, prefix, driver.marker, this.data, deadline));
          }
          const current: Listing = listing ?? (await listChildren(client, path, deadline));
          listing = undefined;
          if (current.sessionId !== node.sessionId) {
            // Our node belongs to a session that is gone: delete it (it may linger until the server expires
            // that session) and start over in the new one.
            void discardNode(client, node.path);
            node = undefined;
            continue;
          }
          const contenders = sortSequentialNodes(current.children, driver.markers);
          const ourIndex = contenders.findIndex((contender) => contender.name === node!.name);
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
          if (decision.held) {
            const holdSignal = new HoldSignal(client, this.policy, this.what);
            if (!holdSignal.signal.aborted) {
              return { node, sequence: contenders[ourIndex]!.sequence, fencingToken: current.pzxid, holdSignal };
            }
            holdSignal.abort('released', this.what);
            // Not certain right now (suspended under the standard policy): confirm again once reconnected.
            continue;
          }
          if (request.tryOnly) {
            await boundedWait(discardNode(client, node.path), CLEANUP_WAIT_MS);
            node = undefined;
            return null;
          }
          const outcome = await waitForNodeChange(client, joinPath(path, decision.waitFor), {
            deadline,
            onTimeout: () => new LockTimeoutError(path, request.timeoutMs, this.what),
            sessionId: node.sessionId,
          });
          if (outcome === 'session-changed') {
            void discardNode(client, node.path);
            node = undefined;
          }
        } catch (error) {
          // The parent is gone, so is our node (a container parent reaped after our session ended): start over.
          if (isZkError(error, 'NO_NODE') && error.operation === 'getChildren' && node !== undefined) {
            node = undefined;
            continue;
          }
          // Connection trouble that outlasted the client's own retries: go round again while time is left.
          if (!isZkError(error) || !(error.retriable || error.code === 'SESSION_EXPIRED')) throw error;
          this.checkTime(request);
          if (error.code === 'SESSION_EXPIRED' && node !== undefined) {
            void discardNode(client, node.path);
            node = undefined;
          }
        }
      }
    } catch (error) {
      if (node !== undefined) await boundedWait(discardNode(client, node.path), CLEANUP_WAIT_MS);
      else if (createSent) await boundedWait(sweepPrefix(client, path, prefix), CLEANUP_WAIT_MS);
      throw this.translate(error, request);
    }
  }

  /** Deletes a held node (see {@link releaseNode}). */
  release(nodePath: string, sessionId: string | undefined): Promise<void> {
    return releaseNode(this.client, nodePath, sessionId);
  }

  /** The contenders in order (holder first for exclusive locks), with their data. */
  async participants(): Promise<Participant[]> {
    const { client, path } = this;
    let children: string[];
    try {
      children = (await client.getChildren(path)).children;
    } catch (error) {
      if (isZkError(error, 'NO_NODE')) return [];
      throw error;
    }
    const sorted = sortSequentialNodes(children, this.driver.markers);
    const read = await Promise.all(
      sorted.map(async ({ name, sequence, marker }) => {
        const nodePath = joinPath(path, name);
        try {
          const { data } = await client.getData(nodePath);
          return { name, path: nodePath, sequence, marker, data };
        } catch (error) {
          if (isZkError(error, 'NO_NODE')) return undefined;
          throw error;
        }
      }),
    );
    return read.filter((participant): participant is Participant => participant !== undefined);
  }

  /** Throws the abort reason, or a timeout once the deadline passed. */
  private checkTime(request: AcquireRequest): void {
    request.deadline.throwIfAborted();
    if (request.deadline.expired()) throw new LockTimeoutError(this.path, request.timeoutMs, this.what);
  }

  /** What the caller sees when an acquisition fails: the abort reason, a timeout, or the error itself. */
  private translate(error: unknown, request: AcquireRequest): unknown {
    const { deadline } = request;
    if (deadline.signal?.aborted) return deadline.signal.reason;
    if (error instanceof LockTimeoutError) return error;
    if (deadline.expired() && isZkError(error) && error.retriable) return new LockTimeoutError(this.path, request.timeoutMs, this.what);
    return error;
  }
}
