/**
 * Interop with Apache Curator 5.x's DistributedDoubleBarrier (a real Curator client in a child JVM,
 * test/interop/CuratorPeer.java): a Curator member and ours enter and leave one barrier together.
 */
import { DoubleBarrier } from '../../../src/recipes/barrier';
import { eventually, scaled } from '../../helpers';
import { Clients } from '../../helpers/clients';
import { sharedCuratorPeer, sharedServer } from '../../helpers/shared-server';

const server = sharedServer();
const curator = sharedCuratorPeer(server, { replyTimeoutMs: scaled(60_000) });
const clients = new Clients(() => server.connectString, { prefix: 'binterop' });

beforeEach(() => clients.renew());
afterEach(() => clients.closeAll());

test('a Curator member and two of ours pass enter() together and leave() together; nothing stays', async () => {
  const [a, b] = await clients.startMany(2);
  const path = `${clients.namespace}/batch`;
  const timeoutMs = scaled(30_000);
  // Curator blocks in enter() until all three are in (the peer runs one command at a time).
  const curatorEnters = curator.send(`barrier-enter ${path} 3 ${timeoutMs}`);
  const first = new DoubleBarrier(a!, '/batch', { memberCount: 3 });
  const firstEnters = first.enter({ timeoutMs });
  await eventually(async () => (await a!.getChildren('/batch').catch(() => ({ children: [] as string[] }))).children.length === 2);
  const second = new DoubleBarrier(b!, '/batch', { memberCount: 3 });
  await second.enter({ timeoutMs });
  await firstEnters;
  expect(await curatorEnters).toBe('ENTERED');
  expect((await a!.getChildren('/batch')).children).toContain('ready');

  const curatorLeaves = curator.send(`barrier-leave ${path} ${timeoutMs}`);
  await Promise.all([first.leave({ timeoutMs }), second.leave({ timeoutMs })]);
  expect(await curatorLeaves).toBe('LEFT');
  expect((await a!.getChildren('/batch')).children).toEqual([]);
});
