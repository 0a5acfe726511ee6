/** GroupMember against a real server: views, events, a killed member, an expired session, 50 members at once. */
import type { ZkClient } from '../../../src/client';
import { GroupMember } from '../../../src/recipes/membership';
import { RecipeStateError } from '../../../src/recipes/shared/errors';
import { scaled, waitForEvent, waitForState } from '../../helpers';
import { Clients } from '../../helpers/clients';
import { converges, followView } from '../../helpers/member-views';
import { sharedServer } from '../../helpers/shared-server';
import { ChildParticipant } from '../leader/support';

const server = sharedServer();
const clients = new Clients(() => server.connectString, { prefix: 'recipe' });
const members: GroupMember[] = [];
const children: ChildParticipant[] = [];

function member(client: ZkClient, id: string, data?: string, group = '/group'): GroupMember {
  const made = followView(new GroupMember(client, group, { id, data }));
  members.push(made);
  return made;
}

beforeEach(() => clients.renew());
afterEach(async () => {
  await Promise.all(children.splice(0).map((c) => c.kill()));
  await Promise.all(members.splice(0).map((m) => m.close()));
  await clients.closeAll();
});

test('members see each other with data; change and leave events; members() always includes itself', async () => {
  const [ca, cb, cc] = await clients.startMany(3);
  const a = member(ca!, 'a', 'A');
  expect(a.members()).toEqual(new Map([['a', Buffer.from('A')]]));
  const joined: string[] = [];
  a.on('join', (id) => joined.push(id));
  await a.start();
  const b = member(cb!, 'b', 'B');
  const c = member(cc!, 'c', 'C');
  await Promise.all([b.start(), c.start()]);
  await converges(a, ['a', 'b', 'c']);
  await converges(b, ['a', 'b', 'c']);
  await converges(c, ['a', 'b', 'c']);
  expect([...joined].sort()).toEqual(['a', 'b', 'c']);
  expect(c.members().get('a')!.toString()).toBe('A');

  const changed = waitForEvent(a, 'change', (id: string) => id === 'b');
  await b.setData('B2');
  const [, data] = await changed;
  expect((data as Buffer).toString()).toBe('B2');
  expect(a.members().get('b')!.toString()).toBe('B2');
  expect(b.members().get('b')!.toString()).toBe('B2');

  const left = waitForEvent(a, 'leave', (id: string) => id === 'c');
  await c.close();
  await left;
  await converges(a, ['a', 'b']);
  expect(c.members().size).toBe(0);
});

test('snapshots as an async iterator, ending at close', async () => {
  const [ca, cb] = await clients.startMany(2);
  const a = member(ca!, 'a');
  await a.start();
  const seen: string[] = [];
  const iterating = (async () => {
    for await (const snapshot of a) {
      seen.push([...snapshot.keys()].sort().join(','));
      if (snapshot.has('b')) break;
    }
  })();
  const b = member(cb!, 'b');
  await b.start();
  await iterating;
  expect(seen[0]).toBe('a');
  expect(seen[seen.length - 1]).toBe('a,b');
  const ending = (async () => {
    const snapshots: number[] = [];
    for await (const snapshot of b) snapshots.push(snapshot.size);
    return snapshots;
  })();
  await b.close();
  expect(await ending).toEqual(expect.any(Array));
});

test('a killed member: the others see it leave within one session timeout', async () => {
  const sessionTimeoutMs = 2000;
  const [ca, cb] = await clients.startMany(2);
  const namespace = clients.namespace;
  const a = member(ca!, 'a');
  const b = member(cb!, 'b');
  await Promise.all([a.start(), b.start()]);
  const victim = await ChildParticipant.start({
    connectString: server.connectString,
    namespace,
    role: 'member',
    path: '/group',
    id: 'victim',
    sessionTimeoutMs,
  });
  children.push(victim);
  await converges(a, ['a', 'b', 'victim']);
  await converges(b, ['a', 'b', 'victim']);
  const leftA = waitForEvent(a, 'leave', (id: string) => id === 'victim');
  const leftB = waitForEvent(b, 'leave', (id: string) => id === 'victim');
  const killedAt = await victim.kill();
  await Promise.all([leftA, leftB]);
  const afterMs = Number(process.hrtime.bigint() - killedAt) / 1e6;
  // ZooKeeper expires sessions in buckets of one tick (200 ms on the test server) after the timeout.
  expect(afterMs).toBeLessThanOrEqual(sessionTimeoutMs + scaled(1000));
  await converges(a, ['a', 'b']);
});

test("a member's session expires: the others see it leave and join again", async () => {
  const [ca, cb] = await clients.startMany(2);
  const a = member(ca!, 'a');
  const b = member(cb!, 'b', 'data-b');
  await Promise.all([a.start(), b.start()]);
  await converges(a, ['a', 'b']);
  const events: string[] = [];
  a.on('leave', (id) => events.push(`leave ${id}`));
  a.on('join', (id) => events.push(`join ${id}`));
  const back = waitForEvent(a, 'join', (id: string) => id === 'b');
  const newSession = waitForState(cb!, 'reconnected', (info) => info.sessionChanged === true);
  await server.expireSession(cb!);
  await newSession;
  await back;
  expect(events).toEqual(['leave b', 'join b']);
  expect(a.members().get('b')!.toString()).toBe('data-b');
  const stat = await ca!.exists('/group/b');
  expect(BigInt.asUintN(64, stat!.ephemeralOwner)).toBe(BigInt(`0x${cb!.sessionId}`));
});

test('50 members join and leave concurrently; every view converges to the truth', async () => {
  const pool = await clients.startMany(10);
  const ids = Array.from({ length: 50 }, (_, i) => `m${String(i).padStart(2, '0')}`);
  const group = ids.map((id, i) => member(pool[i % pool.length]!, id, `data-${id}`, '/big'));
  await Promise.all(group.map((m) => m.start()));
  await Promise.all(group.map((m) => converges(m, ids)));

  // Half leave while 20 newcomers join, all at once.
  const leaving = group.slice(0, 25);
  const staying = group.slice(25);
  const newIds = Array.from({ length: 20 }, (_, i) => `n${String(i).padStart(2, '0')}`);
  const newcomers = newIds.map((id, i) => member(pool[i % pool.length]!, id, `data-${id}`, '/big'));
  await Promise.all([...leaving.map((m) => m.close()), ...newcomers.map((m) => m.start())]);

  const truth = (await pool[0]!.getChildren('/big')).children.sort();
  expect(truth).toEqual([...ids.slice(25), ...newIds].sort());
  await Promise.all([...staying, ...newcomers].map((m) => converges(m, truth)));
  for (const m of [...staying, ...newcomers]) {
    for (const [id, data] of m.members()) expect(data.toString()).toBe(`data-${id}`);
  }
});

test('bad input fails fast with typed errors', async () => {
  const client = clients.make();
  expect(() => new GroupMember(client, '/group', { id: '' })).toThrow(TypeError);
  expect(() => new GroupMember(client, '/group', { id: 'a/b' })).toThrow(TypeError);
  expect(() => new GroupMember(client, '/group', { id: '..' })).toThrow(TypeError);
  expect(() => new GroupMember(client, '/group', { id: 5 as unknown as string })).toThrow(TypeError);
  expect(() => new GroupMember(client, 'group', { id: 'a' })).toThrow(TypeError);
  expect(() => new GroupMember(client, '/group', { id: 'a', data: {} as unknown as string })).toThrow(TypeError);
  await client.start();
  const m = member(client, 'a');
  await m.start();
  await expect(m.start()).rejects.toBeInstanceOf(RecipeStateError);
  await m.close();
  await expect(m.start()).rejects.toBeInstanceOf(RecipeStateError);
});
