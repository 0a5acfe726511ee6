/**
 * Node LeaderLatch and Apache Curator's LeaderLatch (a real Curator 5.x in a JVM, test/interop) in one
 * election: exactly one leader, handovers both ways, and each sees the other's participants by id.
 */
import { LeaderLatch } from '../../../src/recipes/leader';
import { TestingServer } from '../../../src/testing';
import { eventually, scaled, waitForEvent } from '../../helpers';
import { Clients } from '../../helpers/clients';
import { CuratorPeer } from '../../interop/curator-peer';

let server: TestingServer;
let peer: CuratorPeer;
const clients = new Clients(() => server.connectString, { prefix: 'recipe' });

beforeAll(async () => {
  server = await TestingServer.start();
  peer = await CuratorPeer.start(server.connectString);
});
afterEach(() => clients.closeAll());
afterAll(async () => {
  await peer?.close();
  await server?.stop();
});

/** The peer's first reply to `command` that `accept` takes (the peer announces nothing about other clients' nodes). */
async function peerSees(command: string, accept: (reply: string) => boolean): Promise<string> {
  let reply = '';
  await eventually(async () => accept((reply = await peer.send(command))), scaled(15_000));
  return reply;
}

test('Curator leads first, Node follows; then Node leads and Curator follows', async () => {
  const client = await clients.start();
  const serverPath = `${clients.namespace}/election`;

  expect(await peer.send(`latch-start ${serverPath} java-1`)).toBe('STARTED');
  await peer.waitForEvent('isLeader java-1');

  const node = new LeaderLatch(client, '/election', { id: 'node-1' });
  await node.start();
  expect(node.hasLeadership()).toBe(false);
  expect((await node.getParticipants()).map((p) => [p.id, p.isLeader])).toEqual([
    ['java-1', true],
    ['node-1', false],
  ]);
  expect((await node.getLeader())?.id).toBe('java-1');
  expect(await peerSees(`latch-participants ${serverPath}`, (r) => r.includes(','))).toBe('PARTICIPANTS java-1,node-1');
  expect(await peer.send(`latch-leader ${serverPath}`)).toBe('LEADER java-1');
  expect(await peer.send(`latch-has ${serverPath}`)).toBe('HAS true');

  // Curator leaves: Node takes over (and Curator reported notLeader first: no overlap).
  const nodeLeads = waitForEvent(node, 'isLeader', () => true, scaled(15_000));
  expect(await peer.send(`latch-close ${serverPath}`)).toBe('CLOSED');
  await nodeLeads;
  expect(peer.eventLog).toContain('notLeader java-1');
  expect(node.hasLeadership()).toBe(true);

  // Curator joins behind Node: it sees Node as the leader, by id.
  const since = peer.eventLog.length;
  expect(await peer.send(`latch-start ${serverPath} java-2`)).toBe('STARTED');
  expect(await peerSees(`latch-participants ${serverPath}`, (r) => r.includes(','))).toBe('PARTICIPANTS node-1,java-2');
  expect(await peer.send(`latch-leader ${serverPath}`)).toBe('LEADER node-1');
  expect(await peer.send(`latch-has ${serverPath}`)).toBe('HAS false');
  expect((await node.getParticipants()).map((p) => p.id)).toEqual(['node-1', 'java-2']);

  // Node leaves: Curator takes over.
  await node.close();
  await peer.waitForEvent('isLeader java-2', { since });
  expect(await peer.send(`latch-has ${serverPath}`)).toBe('HAS true');
  expect(await peer.send(`latch-participants ${serverPath}`)).toBe('PARTICIPANTS java-2');
  expect(await peer.send(`latch-close ${serverPath}`)).toBe('CLOSED');
});

test('three Node latches and one Curator latch: one leader through a whole round of handovers', async () => {
  const pool = await clients.startMany(3);
  const serverPath = `${clients.namespace}/election`;
  const latches = pool.map((client, i) => new LeaderLatch(client, '/election', { id: `node-${i}` }));
  await latches[0]!.start();
  await latches[0]!.waitForLeadership({ timeoutMs: scaled(10_000) });
  expect(await peer.send(`latch-start ${serverPath} java`)).toBe('STARTED');
  // Curator creates its node in the background after STARTED: let it be in line before the next joins.
  await peerSees(`latch-participants ${serverPath}`, (r) => r.includes('java'));
  await latches[1]!.start();
  await latches[2]!.start();
  const ids = (await latches[2]!.getParticipants()).map((p) => p.id);
  expect(ids).toEqual(['node-0', 'java', 'node-1', 'node-2']);
  expect(await peerSees(`latch-participants ${serverPath}`, (r) => r.split(',').length === 4)).toBe(
    `PARTICIPANTS ${ids.join(',')}`,
  );

  const since = peer.eventLog.length;
  await latches[0]!.close();
  await peer.waitForEvent('isLeader java', { since });
  expect(latches.filter((l) => l.hasLeadership())).toHaveLength(0);
  const next = waitForEvent(latches[1]!, 'isLeader', () => true, scaled(15_000));
  expect(await peer.send(`latch-close ${serverPath}`)).toBe('CLOSED');
  await next;
  expect(latches.filter((l) => l.hasLeadership())).toEqual([latches[1]]);
  await Promise.all(latches.map((l) => l.close()));
});
