/**
 * Operations the client builds from several requests on one transport (server paths, namespace applied): a
 * create that makes its parents, a recursive delete, and the protected-node search.
 */
import { isZkError } from './errors';
import { joinPath, parentPath } from './paths';
import type { ProtectedNodeAccess } from './protected-create';
import { sessionIdHex } from './stat';
import type { CreateRequest, Transport } from './transport';
import type { Acl, Stat } from './types';

/** How missing parents are made: with which ACL, and as containers (where the server has them) or persistent. */
export interface ParentNodes {
  acl: Acl[];
  /** Make containers; turned off here once the server or transport refused one (`UNIMPLEMENTED`). */
  container: boolean;
  /** Told when a container was refused, so that later creates ask for persistent parents at once. */
  onContainersRefused?: () => void;
}

/** Creates every missing node of `full` as an empty node (a container when `parents.container`). */
export async function makeParents(wire: Transport, full: string, parents: ParentNodes): Promise<void> {
  let current = '';
  for (const segment of full.split('/').filter((s) => s !== '')) {
    current += `/${segment}`;
    for (;;) {
      const mode = parents.container ? 'container' : 'persistent';
      try {
        await wire.create({ path: current, data: Buffer.alloc(0), acl: parents.acl, mode });
      } catch (error) {
        if (mode === 'container' && isZkError(error, 'UNIMPLEMENTED')) {
          parents.container = false;
          parents.onContainersRefused?.();
          continue;
        }
        if (!isZkError(error, 'NODE_EXISTS')) throw error;
      }
      break;
    }
  }
}

/** Creates `request.path`; with `parents`, makes the missing parents when the parent is missing. */
export async function createNode(
  wire: Transport,
  request: CreateRequest,
  parents: ParentNodes | undefined,
): Promise<{ path: string; stat: Stat | undefined }> {
  try {
    return await wire.create(request);
  } catch (error) {
    if (parents === undefined || !isZkError(error, 'NO_NODE')) throw error;
    await makeParents(wire, parentPath(request.path), parents);
    return wire.create(request);
  }
}

/**
 * Deletes `full` and its subtree, children first. The top node missing is NO_NODE (as for a plain delete);
 * descendants that vanish meanwhile are fine.
 */
export async function deleteTree(wire: Transport, full: string, version: number, top = true): Promise<void> {
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

/** The protected-node search (protected-create.ts) over one transport. */
export function wireAccess(wire: Transport): ProtectedNodeAccess {
  return {
    list: async (parent) => (await wire.getChildren(parent)).children,
    stat: (path) => wire.exists(path),
    remove: (path, version) => wire.delete(path, version),
    sessionId: () => sessionIdHex(wire.sessionId),
  };
}
