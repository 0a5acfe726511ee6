/**
 * Reading the contenders of a sequential-node recipe (a lock's holders and waiters, an election's
 * participants) from their nodes, as Curator's `getParticipantNodes`/`getParticipants` do.
 */
import { Deadline } from '../../client/deadline';
import { isZkError } from '../../client/errors';
import { joinPath } from '../../client/paths';
import type { WaitOptions, ZooKeeperClient } from '../../client/types';
import { validateWaitOptions } from '../../client/validate';
import { sortSequentialNodes, type SequentialNode } from './sequential-nodes';
import { opOptions } from './wait-for-change';

/** One contender of a lock or an election, in line order. */
export interface Participant {
  /** Its id: the node's data as UTF-8 (a participant id for elections, whatever the holder stored for locks). */
  readonly id: string;
  /** True for the first contender in line: an election's leader, a mutex's holder. */
  readonly isLeader: boolean;
  /** Name of its node under the recipe's path. */
  readonly node: string;
  /** Full path of its node (namespace not applied). */
  readonly path: string;
  /** The sequence number ZooKeeper appended. */
  readonly sequence: number;
  /** The marker that identified the node (`lock-`, `latch-`, `__READ__`, `__WRIT__`, `lease-`, kazoo's `__lock__`, ...). */
  readonly marker: string;
  /** The node's data. */
  readonly data: Buffer;
}

/**
 * The contenders under `path` in line order, recognised by `markers`, bounded by `timeoutMs`/`signal` as a
 * whole. Nodes that vanish while being read are left out; a path that does not exist has none. With
 * `firstOnly`, stops at the first contender still there.
 */
export async function readParticipants(
  client: ZooKeeperClient,
  path: string,
  markers: readonly string[],
  options?: WaitOptions,
  firstOnly = false,
): Promise<Participant[]> {
  validateWaitOptions(options);
  const deadline = Deadline.from(options);
  let children: string[];
  try {
    children = (await client.getChildren(path, opOptions(deadline))).children;
  } catch (error) {
    if (isZkError(error, 'NO_NODE')) return [];
    throw error;
  }
  const ordered = sortSequentialNodes(children, markers);
  const read = async (node: SequentialNode): Promise<Omit<Participant, 'isLeader'> | undefined> => {
    const nodePath = joinPath(path, node.name);
    try {
      const { data } = await client.getData(nodePath, opOptions(deadline));
      return { id: data.toString('utf8'), node: node.name, path: nodePath, sequence: node.sequence, marker: node.marker, data };
    } catch (error) {
      if (isZkError(error, 'NO_NODE')) return undefined;
      throw error;
    }
  };
  let present: Array<Omit<Participant, 'isLeader'>>;
  if (firstOnly) {
    present = [];
    for (const node of ordered) {
      const found = await read(node);
      if (found !== undefined) {
        present.push(found);
        break;
      }
    }
  } else {
    present = (await Promise.all(ordered.map(read))).filter((entry) => entry !== undefined);
  }
  return present.map((entry, index) => ({ ...entry, isLeader: index === 0 }));
}

/** The first contender in line that still exists, or `undefined` when nobody is in line. */
export async function readLeader(
  client: ZooKeeperClient,
  path: string,
  markers: readonly string[],
  options?: WaitOptions,
): Promise<Participant | undefined> {
  return (await readParticipants(client, path, markers, options, true))[0];
}
