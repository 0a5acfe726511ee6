/**
 * Operations the client builds from several requests on one wire session (server paths, namespace
 * applied): a create that makes its parents, a recursive delete, and the protected-node search.
 */
import { isZkError } from './errors';
import { joinPath, parentPath } from './paths';
import type { ProtectedNodeAccess } from './protected-create';
import { sessionIdHex } from './stat';
import type { Acl, CreateMode } from './types';
import type { WireSession } from './wire';

/** Creates every missing node of `full` as an empty persistent node with `acl`. */
export async function makeParents(wire: WireSession, full: string, acl: Acl[]): Promise<void> {
  let current = '';
  for (const segment of full.split('/').filter((s) => s !== '')) {
    current += `/${segment}`;
    try {
      await wire.create(current, Buffer.alloc(0), acl, 'persistent');
    } catch (error) {
      if (!isZkError(error, 'NODE_EXISTS')) throw error;
    }
  }
}

/** Creates `full`; with `parentAcl`, makes the missing parents (with that ACL) when the parent is missing. */
export async function createNode(
  wire: WireSession,
  full: string,
  payload: Buffer,
  acl: Acl[],
  mode: CreateMode,
  parentAcl: Acl[] | undefined,
): Promise<string> {
  try {
    return await wire.create(full, payload, acl, mode);
  } catch (error) {
    if (parentAcl === undefined || !isZkError(error, 'NO_NODE')) throw error;
    await makeParents(wire, parentPath(full), parentAcl);
    return wire.create(full, payload, acl, mode);
  }
}

/**
 * Deletes `full` and its subtree, children first. The top node missing is NO_NODE (as for a plain delete);
 * descendants that vanish meanwhile are fine.
 */
export async function deleteTree(wire: WireSession, full: string, version: number, top = true): Promise<void> {
  for (let attempt = 0; ; attempt += 1) {
    let children: string[];
    try {
      children = (await wire.getChildren(full)).children;
    } catch (error) {
      if (!top && isZkError(error, 'NO_NODE')) return;
      throw error;
    }
    for (const child of children) await deleteTree(wire, joinPath(full, child), -1, false);
    try {
      await wire.delete(full, version);
      return;
    } catch (error) {
      if (!top && isZkError(error, 'NO_NODE')) return;
      // A child appeared meanwhile: go round again, a bounded number of times.
      if (!isZkError(error, 'NOT_EMPTY') || attempt >= 10) throw error;
    }
  }
}

/** The protected-node search (protected-create.ts) over one wire session. */
export function wireAccess(wire: WireSession): ProtectedNodeAccess {
  return {
    list: async (parent) => (await wire.getChildren(parent)).children,
    stat: (path) => wire.exists(path),
    remove: (path, version) => wire.delete(path, version),
    sessionId: () => sessionIdHex(wire.sessionId),
  };
}
