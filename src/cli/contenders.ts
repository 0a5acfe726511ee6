/**
 * Reading the sequential nodes under a recipe's path (lock contenders, election participants, leases) the
 * way the recipes order them: by the numeric trailing sequence, whatever client wrote them.
 */
import { isZkError, joinPath, type DataResult, type ZkClient } from '../index';
import { sortSequentialNodes, type SequentialNode } from '../recipes/shared/sequential-nodes';
import { sessionIdHex } from '../client/stat';
import { formatAge } from './output';

/** One sequential node (name, marker, sequence), as the inspectors report it. */
export interface Contender extends SequentialNode {
  /** Session id (16 hex digits) of the session that owns it. */
  sessionId: string;
  /** Time since the node was created, by this machine's clock. */
  ageMs: number;
  /** The node's data, as UTF-8 (a participant's id, a member's payload). */
  data: string;
}

/**
 * The nodes under `path` whose names carry one of `markers`, in line order. A path that does not exist
 * has none; nodes that vanish while being read are left out.
 */
export async function readContenders(client: ZkClient, path: string, markers: readonly string[]): Promise<Contender[]> {
  const children = await listOrEmpty(client, path);
  const now = Date.now();
  const read = await Promise.all(
    sortSequentialNodes(children, markers).map(async ({ name, sequence, marker }) => {
      const node = await readNode(client, joinPath(path, name));
      if (node === undefined) return undefined;
      const { data, stat } = node;
      return { name, sequence, marker, sessionId: sessionIdHex(stat.ephemeralOwner), ageMs: now - stat.ctime, data: data.toString('utf8') };
    }),
  );
  return read.filter((contender): contender is Contender => contender !== undefined);
}

/** The children of `path`, or none when it does not exist. */
export async function listOrEmpty(client: ZkClient, path: string): Promise<string[]> {
  try {
    return (await client.getChildren(path)).children;
  } catch (error) {
    if (isZkError(error, 'NO_NODE')) return [];
    throw error;
  }
}

/** Data and stat of `path`, or `undefined` when it does not exist (any more). */
export async function readNode(client: ZkClient, path: string): Promise<DataResult | undefined> {
  try {
    return await client.getData(path);
  } catch (error) {
    if (isZkError(error, 'NO_NODE')) return undefined;
    throw error;
  }
}

/** One line of text for a contender: position, node, session, age (and data when asked). */
export function contenderLine(prefix: string, contender: Contender, withData = false): string {
  const data = withData ? `  ${JSON.stringify(contender.data)}` : '';
  return `${prefix} ${contender.name}  session 0x${contender.sessionId}  age ${formatAge(contender.ageMs)}${data}`;
}
