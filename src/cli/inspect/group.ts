/** `inspect group`: the members of a `GroupMember` group (Curator's layout: `<path>/<memberId>`), with data. */
import { joinPath } from '../../index';
import { sessionIdHex } from '../../client/stat';
import { listOrEmpty, readNode } from '../contenders';
import { formatAge } from '../output';
import type { Inspector } from './inspector';

/** One member of a group. */
export interface GroupMemberReport {
  /** The member id (its node's name). */
  id: string;
  /** Its data, as UTF-8. */
  data: string;
  /** Session id (16 hex digits) of the session that owns it. */
  sessionId: string;
  /** Time since its node was created, by this machine's clock. */
  ageMs: number;
}

export const groupInspector: Inspector = {
  summary: 'the members with their data (GroupMember, Curator GroupMember)',
  async inspect(client, path) {
    const now = Date.now();
    const read = await Promise.all(
      (await listOrEmpty(client, path)).sort().map(async (id): Promise<GroupMemberReport | undefined> => {
        const node = await readNode(client, joinPath(path, id));
        if (node === undefined) return undefined;
        return { id, data: node.data.toString('utf8'), sessionId: sessionIdHex(node.stat.ephemeralOwner), ageMs: now - node.stat.ctime };
      }),
    );
    const members = read.filter((m): m is GroupMemberReport => m !== undefined);
    const text = [
      `group ${path}: ${members.length} member(s)`,
      ...members.map((m) => `  ${m.id}  session 0x${m.sessionId}  age ${formatAge(m.ageMs)}  ${JSON.stringify(m.data)}`),
    ];
    return { json: { kind: 'group', path, members }, text: text.join('\n') };
  },
};
