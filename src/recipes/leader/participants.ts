/** Reading the participants of an election from its nodes (the id is each node's data), as Curator does. */
import { isZkError } from '../../client/errors';
import { joinPath } from '../../client/paths';
import type { WaitOptions, ZooKeeperClient } from '../../client/types';
import { sortSequentialNodes } from '../shared/sequential-nodes';

/** One participant of an election. */
export interface Participant {
  /** The participant's id (its node's data, UTF-8). */
  readonly id: string;
  /** True for the first participant in line: the leader. */
  readonly isLeader: boolean;
  /** Name of its node under the election path. */
  readonly node: string;
}

/**
 * The participants under `path` in line order (the first is the leader), recognising nodes by `markers`.
 * Nodes that vanish while being read are left out. An election path that does not exist has none.
 */
export async function readParticipants(
  client: ZooKeeperClient,
  path: string,
  markers: readonly string[],
  options?: WaitOptions,
): Promise<Participant[]> {
  let children: string[];
  try {
    children = (await client.getChildren(path, options)).children;
  } catch (error) {
    if (isZkError(error, 'NO_NODE')) return [];
    throw error;
  }
  const ordered = sortSequentialNodes(children, markers);
  const read = await Promise.all(
    ordered.map(async ({ name }) => {
      try {
        const { data } = await client.getData(joinPath(path, name), options);
        return { id: data.toString('utf8'), node: name };
      } catch (error) {
        if (isZkError(error, 'NO_NODE')) return undefined;
        throw error;
      }
    }),
  );
  const present = read.filter((entry): entry is { id: string; node: string } => entry !== undefined);
  return present.map((entry, index) => ({ ...entry, isLeader: index === 0 }));
}

/** The first participant in line that still exists, or `undefined` when nobody is in line. */
export async function readLeader(
  client: ZooKeeperClient,
  path: string,
  markers: readonly string[],
  options?: WaitOptions,
): Promise<Participant | undefined> {
  let children: string[];
  try {
    children = (await client.getChildren(path, options)).children;
  } catch (error) {
    if (isZkError(error, 'NO_NODE')) return undefined;
    throw error;
  }
  for (const { name } of sortSequentialNodes(children, markers)) {
    try {
      const { data } = await client.getData(joinPath(path, name), options);
      return { id: data.toString('utf8'), isLeader: true, node: name };
    } catch (error) {
      if (!isZkError(error, 'NO_NODE')) throw error;
    }
  }
  return undefined;
}
