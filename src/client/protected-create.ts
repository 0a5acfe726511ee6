/**
 * Protected creates and session ownership, for the client's `protected` option and every recipe that makes
 * ephemeral or sequential nodes (locks, latches, persistent nodes, queues): the one place that names a
 * protected node, finds it again after a lost reply, and says whose session owns a node.
 *
 * Curator's protection: the node's name starts with `_c_<uuid-v4>-`, unique to one logical create. When
 * the reply of a create is lost, the parent is listed and the node is found by that prefix instead of
 * being created twice. A node with our prefix owned by our current session is ours; one owned by another
 * session (an earlier session of ours, since nobody else knows the prefix) is never adopted — it vanishes
 * when that session ends — but deleted, at the version we saw, so a node changed meanwhile is left alone.
 */
import { randomUUID } from 'node:crypto';
import { isZkError } from './errors';
import { joinPath } from './paths';
import type { ConnectionState, Stat, WaitOptions, ZooKeeperClient } from './types';

/** A fresh protected prefix, `_c_<uuid-v4>-`: one per logical create, kept across its attempts. */
export function protectedPrefix(): string {
  return `_c_${randomUUID()}-`;
}

/** The 16-hex-digit session id that owns `stat`'s node (`0000000000000000` for a persistent node). */
export function ownerSessionId(stat: Stat): string {
  return BigInt.asUintN(64, stat.ephemeralOwner).toString(16).padStart(16, '0');
}

/** True when `stat` describes an ephemeral node owned by the session `sessionId` (hex). */
export function ownedBySession(stat: Stat | null | undefined, sessionId: string | undefined): boolean {
  if (stat === null || stat === undefined || sessionId === undefined) return false;
  return BigInt.asUintN(64, stat.ephemeralOwner) === BigInt(`0x${sessionId}`);
}

/** True when `stat` describes an ephemeral node owned by `client`'s current session. */
export function ownedByCurrentSession(stat: Stat | null | undefined, client: Pick<ZooKeeperClient, 'sessionId'>): boolean {
  return ownedBySession(stat, client.sessionId);
}

/** True while the client has a usable connection to a server that accepts writes. */
export function isWritable(client: Pick<ZooKeeperClient, 'state'>): boolean {
  return client.state === 'connected' || client.state === 'reconnected';
}

/**
 * Resolves when `work` settles or when the client stops being writable, whichever comes first: for waits
 * (like a close's delete) that must not hang for an operation timeout while disconnected. Never rejects.
 */
export function whileWritable(client: Pick<ZooKeeperClient, 'state' | 'on' | 'off'>, work: Promise<unknown>): Promise<void> {
  return new Promise<void>((resolve) => {
    const onState = (state: ConnectionState): void => {
      if (state !== 'connected' && state !== 'reconnected') finish();
    };
    const finish = (): void => {
      client.off('state', onState);
      resolve();
    };
    if (!isWritable(client)) {
      resolve();
      return;
    }
    client.on('state', onState);
    work.then(finish, finish);
  });
}

/** The three reads and writes a protected-node search needs, on the client or on a wire session. */
export interface ProtectedNodeAccess {
  /** Children names of `parent`. */
  list(parent: string): Promise<string[]>;
  /** Stat of `path`, or `null` when it does not exist. */
  stat(path: string): Promise<Stat | null>;
  /** Deletes `path` at `version`. */
  remove(path: string, version: number): Promise<void>;
  /** The current session (hex). */
  sessionId(): string | undefined;
}

/** A node found by its protected prefix. */
export interface FoundNode {
  /** Its name. */
  name: string;
  /** Its path under the parent searched. */
  path: string;
  /** Its stat as read. */
  stat: Stat;
}

/**
 * Looks under `parent` for the node of the create with `prefix`. Resolves with it when it is there and ours
 * (an ephemeral node owned by the current session; for persistent modes, the first one); every other node
 * with the prefix — of another session, or a duplicate of a retried create — is deleted at the version
 * read (BAD_VERSION and NO_NODE tolerated: changed or gone meanwhile) before this resolves.
 */
export async function findProtectedNode(
  access: ProtectedNodeAccess,
  parent: string,
  prefix: string,
  ephemeral: boolean,
): Promise<FoundNode | undefined> {
  let children: string[];
  try {
    children = await access.list(parent);
  } catch (error) {
    if (isZkError(error, 'NO_NODE')) return undefined;
    throw error;
  }
  let ours: FoundNode | undefined;
  for (const name of children.filter((child) => child.startsWith(prefix)).sort()) {
    const path = joinPath(parent, name);
    const stat = await access.stat(path);
    if (stat === null) continue;
    const mine = ephemeral ? ownedBySession(stat, access.sessionId()) : true;
    if (mine && ours === undefined) {
      ours = { name, path, stat };
      continue;
    }
    await access.remove(path, stat.version).catch((error: unknown) => {
      if (!isZkError(error, 'NO_NODE', 'BAD_VERSION')) throw error;
    });
  }
  return ours;
}

/** {@link ProtectedNodeAccess} through a client, each call bounded by `waitOptions()` (read when it is made). */
export function clientAccess(client: ZooKeeperClient, waitOptions: () => WaitOptions = () => ({})): ProtectedNodeAccess {
  return {
    list: async (parent) => (await client.getChildren(parent, waitOptions())).children,
    stat: (path) => client.exists(path, waitOptions()),
    remove: (path, version) => client.delete(path, { ...waitOptions(), version }),
    sessionId: () => client.sessionId,
  };
}

/** How many times a sweep lists the parent before giving up (each try waits for a connection). */
const SWEEP_ATTEMPTS = 5;

/**
 * Deletes every node with `prefix` under `parent` (after a create whose outcome is unknown and that will
 * not be resumed), as guaranteed deletes. Lists again a few times across reconnects when a listing fails;
 * resolves after the first try. Never rejects.
 */
export function sweepProtected(client: ZooKeeperClient, parent: string, prefix: string): Promise<void> {
  const once = async (): Promise<boolean> => {
    try {
      const { children } = await client.getChildren(parent);
      await Promise.all(
        children
          .filter((child) => child.startsWith(prefix))
          .map((child) => client.delete(joinPath(parent, child), { guaranteed: true }).catch(() => undefined)),
      );
      return true;
    } catch (error) {
      return isZkError(error, 'NO_NODE', 'CLIENT_CLOSED');
    }
  };
  const first = once();
  void first.then(async (done) => {
    for (let attempt = 1; !done && attempt < SWEEP_ATTEMPTS && client.state !== 'closed'; attempt += 1) done = await once();
  });
  return first.then(() => undefined);
}
