/**
 * Membership on a 3-node ensemble while servers are SIGKILLed and restarted: sessions survive a failover,
 * so no member may be seen leaving, nodes stay (same czxid), and views keep up with real changes.
 */
import type { ZkClient } from '../../../src/client';
import { GroupMember } from '../../../src/recipes/membership';
import { scaled, waitForEvent } from '../../helpers';
import { Clients } from '../../helpers/clients';
import { converges, followView } from '../../helpers/member-views';
import { sharedCluster } from '../../helpers/shared-server';

const cluster = sharedCluster({ size: 3 });
const clients = new Clients(() => cluster.connectString, { prefix: 'recipe' });
afterEach(() => clients.closeAll());

test('a follower and the ensemble leader killed: no member leaves, the nodes stay, views follow changes', async () => {
  const pool: ZkClient[] = await clients.startMany(4, { sessionTimeoutMs: 10_000 });
  const ids = ['a', 'b', 'c', 'd'];
  const members = ids.map((id, i) => followView(new GroupMember(pool[i]!, '/group', { id, data: id })));
  await Promise.all(members.map((m) => m.start()));
  await Promise.all(members.map((m) => converges(m, ids, scaled(30_000))));
  const czxids = await Promise.all(ids.map(async (id) => (await pool[0]!.exists(`/group/${id}`))!.czxid));
  const leaves: string[] = [];
  members.forEach((m) => m.on('leave', (id) => leaves.push(`${m.id} saw ${id} leave`)));

  for (const which of ['follower', 'leader'] as const) {
    const leader = await cluster.waitForLeader({ timeoutMs: scaled(30_000) });
    const victim = which === 'leader' ? leader : (leader + 1) % 3;
    await cluster.kill(victim);
    // A real change while a server is down reaches every view.
    const changed = members.filter((m) => m.id !== 'a').map((m) => waitForEvent(m, 'change', (id: string) => id === 'a', scaled(30_000)));
    await members[0]!.setData(`a-${which}`, { timeoutMs: scaled(30_000) });
    await Promise.all(changed);
    await cluster.restart(victim, { timeoutMs: scaled(60_000) });
  }

  expect(leaves).toEqual([]);
  const after = await Promise.all(ids.map(async (id) => (await pool[1]!.exists(`/group/${id}`))!.czxid));
  expect(after).toEqual(czxids);
  for (const m of members) expect(m.members().get('a')!.toString()).toBe('a-leader');
  await Promise.all(members.map((m) => m.close()));
});
