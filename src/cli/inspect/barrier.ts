/**
 * `inspect barrier`: a `DistributedBarrier` (set while its node exists) or a `DoubleBarrier` (Curator's
 * layout: one ephemeral node per member under the path, named by the member's id, and `ready` once
 * `memberCount` members are in). The member count itself is known only to the clients.
 */
import { joinPath } from '../../index';
import { sessionIdHex } from '../../client/stat';
import { READY_NODE } from '../../recipes/barrier/options';
import { listOrEmpty, readNode } from '../contenders';
import { formatAge } from '../output';
import type { Inspector } from './inspector';

/** One member of a double barrier. */
export interface BarrierMemberReport {
  /** The member's id (its node's name). */
  id: string;
  /** Session id (16 hex digits) of the session that owns it. */
  sessionId: string;
  /** Time since it entered, by this machine's clock. */
  ageMs: number;
}

export const barrierInspector: Inspector = {
  summary: 'set or not; members and ready (DistributedBarrier, DoubleBarrier)',
  whenMissing: 'a DistributedBarrier there is not set',
  async inspect(client, path) {
    const children = await listOrEmpty(client, path);
    const now = Date.now();
    const read = await Promise.all(
      children
        .filter((name) => name !== READY_NODE)
        .sort()
        .map(async (id): Promise<BarrierMemberReport | undefined> => {
          const node = await readNode(client, joinPath(path, id));
          return node === undefined ? undefined : { id, sessionId: sessionIdHex(node.stat.ephemeralOwner), ageMs: now - node.stat.ctime };
        }),
    );
    const members = read.filter((member): member is BarrierMemberReport => member !== undefined);
    const ready = children.includes(READY_NODE);
    const text = [
      `barrier ${path}: set (the node exists)` +
        (members.length > 0 || ready ? `; double barrier: ${members.length} member(s), ${ready ? 'ready' : 'not ready'}` : ''),
      ...members.map((m) => `  ${m.id}  session 0x${m.sessionId}  age ${formatAge(m.ageMs)}`),
    ];
    return { json: { kind: 'barrier', path, set: true, ready, members }, text: text.join('\n') };
  },
};
