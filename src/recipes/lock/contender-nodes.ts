/**
 * Creating and cleaning up contender nodes (`<parent>/_c_<uuid>-<marker><seq10>`, ephemeral-sequential).
 *
 * We write Curator's protected names ourselves rather than through the client's `protected` option because
 * the lock must know the `_c_<uuid>-` prefix: after a timeout, an abort or a lost reply it is the only way
 * to find (and delete) a node whose create may have been applied. The recovery is Curator's: when the reply
 * of a create is lost, list the parent and look for the prefix; a node found there that belongs to our
 * current session is ours, one left by an earlier session is deleted.
 *
 * The fast path sends the create and a `getChildren` of the parent back to back, without awaiting the
 * first: ZooKeeper answers one session's requests in order, so the listing already contains our node and
 * the caller can decide in one round trip.
 */
import type { Deadline } from '../../client/deadline';
import { isZkError } from '../../client/errors';
import { joinPath } from '../../client/paths';
import { clientAccess, findProtectedNode, whileWritable } from '../../client/protected-create';
import type { ZooKeeperClient } from '../../client/types';
import { parseSequentialNode } from '../shared/sequential-nodes';
import { opOptions } from '../shared/wait-for-change';

/**
 * How long a failed or abandoned acquisition waits for the first try of deleting its node before it
 * reports back (the deletion itself goes on in the background, across reconnects, as a guaranteed delete).
 */
export const CLEANUP_WAIT_MS = 1000;

/** How many times an acquisition makes a missing parent before it gives up with NO_NODE. */
const PARENT_ATTEMPTS = 3;

/** A node we created. */
export interface OwnNode {
  /** Node name. */
  name: string;
  /** Full path (namespace not applied). */
  path: string;
  /** Session (hex) the node belongs to. */
  sessionId: string | undefined;
  /** The sequence ZooKeeper appended. */
  sequence: number;
  /**
   * Its fencing token, once known: a zxid at least the node's czxid and below the czxid of every node created
   * after it under the same parent (see lock-internals.ts).
   */
  token: bigint | undefined;
}

/** A listing of the parent, with its pzxid and the session it was read in. */
export interface Listing {
  children: string[];
  pzxid: bigint;
  sessionId: string | undefined;
}

/** The sequence ZooKeeper appended to the name of a node we created with `marker`. */
function sequenceOf(name: string, marker: string): number {
  return parseSequentialNode(name, [marker])?.sequence ?? Number.NaN;
}

/** Lists the children of `parent`, tagging the reply with the session it came from. */
export async function listChildren(client: ZooKeeperClient, parent: string, deadline: Deadline): Promise<Listing> {
  const { children, stat } = await client.getChildren(parent, opOptions(deadline));
  return { children, pzxid: stat.pzxid, sessionId: client.sessionId };
}

/** True when an error leaves open whether the request was applied. */
function outcomeUnknown(error: unknown): boolean {
  return !isZkError(error) || error.retriable;
}

/** Creates `path` and its missing parents as persistent nodes; an existing node is fine. */
export async function ensurePath(client: ZooKeeperClient, path: string, deadline: Deadline): Promise<void> {
  if (path === '/') return;
  try {
    await client.create(path, undefined, { createParents: true, ...opOptions(deadline) });
  } catch (error) {
    if (!isZkError(error, 'NODE_EXISTS')) throw error;
  }
}

/**
 * Creates our contender node and lists the parent in the same round trip. When the parent does not exist,
 * creates it and tries again. When the create's reply is lost, finds the node by its prefix (Curator's
 * protection, see client/protected-create.ts). Resolves with the node, and with the listing when it is known
 * to have been read after the create.
 */
export async function createContender(
  client: ZooKeeperClient,
  parent: string,
  prefix: string,
  marker: string,
  data: Buffer,
  deadline: Deadline,
): Promise<{ node: OwnNode; listing: Listing | undefined }> {
  let parentsMade = 0;
  for (;;) {
    const options = opOptions(deadline);
    const created = client
      .create(joinPath(parent, prefix + marker), data, { mode: 'ephemeral-sequential', ...options })
      .then((path) => ({ path, sessionId: client.sessionId }));
    const listed = listChildren(client, parent, deadline);
    const [create, list] = await Promise.allSettled([created, listed]);
    if (create.status === 'fulfilled') {
      const { path, sessionId } = create.value;
      const name = path.slice(path.lastIndexOf('/') + 1);
      const node: OwnNode = { name, path, sessionId, sequence: sequenceOf(name, marker), token: undefined };
      return { node, listing: list.status === 'fulfilled' && list.value.sessionId === sessionId ? list.value : undefined };
    }
    const error: unknown = create.reason;
    // The parent is missing: make it. Again if it vanished meanwhile (Curator makes lock parents as
    // containers, which the server deletes once they are empty).
    if (isZkError(error, 'NO_NODE') && parentsMade < PARENT_ATTEMPTS) {
      parentsMade += 1;
      await ensurePath(client, parent, deadline);
      continue;
    }
    if (!outcomeUnknown(error) || deadline.expired() || deadline.signal?.aborted) throw error;
    const found = await findProtectedNode(clientAccess(client, () => opOptions(deadline)), parent, prefix, true);
    if (found) {
      const { name, path, stat } = found;
      return { node: { name, path, sessionId: client.sessionId, sequence: sequenceOf(name, marker), token: stat.czxid }, listing: undefined };
    }
    // Not applied: create again, with the same prefix (so a late duplicate would still be recognised).
  }
}

/** Deletes a node of ours in the background (guaranteed); resolves after the first try. Never rejects. */
export function discardNode(client: ZooKeeperClient, path: string): Promise<void> {
  return client.delete(path, { guaranteed: true, timeoutMs: CLEANUP_WAIT_MS }).catch(() => undefined);
}

/**
 * Deletes a held node in one round trip. A node of an earlier session is deleted in the background (it is
 * dead or doomed anyway); connection trouble hands the delete to the client's guaranteed-delete retries.
 */
export async function releaseNode(client: ZooKeeperClient, path: string, sessionId: string | undefined): Promise<void> {
  if (client.sessionId !== sessionId) {
    void discardNode(client, path);
    return;
  }
  try {
    await client.delete(path, { guaranteed: true });
  } catch (error) {
    if (isZkError(error) && (error.retriable || isZkError(error, 'NO_NODE', 'SESSION_EXPIRED', 'CLIENT_CLOSED'))) return;
    throw error;
  }
}

/**
 * How a failed or abandoned acquisition waits for its clean-up: while connected, for the first try (at most
 * {@link CLEANUP_WAIT_MS}), so the caller finds nothing left behind; while disconnected not at all, so a
 * deadline holds (the guaranteed delete goes on in the background).
 */
export function cleanupWait(client: ZooKeeperClient, work: Promise<unknown>): Promise<void> {
  return boundedWait(whileWritable(client, work), CLEANUP_WAIT_MS);
}

/** Waits for `work`, but no longer than `ms`. */
function boundedWait(work: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    work.then(() => undefined),
    new Promise<void>((resolve) => {
      timer = setTimeout(resolve, ms);
    }),
  ]).finally(() => clearTimeout(timer));
}
