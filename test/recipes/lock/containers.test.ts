/**
 * Parents a recipe creates are containers where the server has them (Curator's
 * `creatingParentContainersIfNeeded`): once nobody contends any more the server reaps them. The server
 * checks its containers every 100 ms here (`znode.container.checkIntervalMs`, 60 s by default). Over the
 * node-zookeeper-client transport (no containers, no create2) the parents are persistent and the fencing
 * token is read once held.
 */
import { LeaderLatch } from '../../../src/recipes/leader';
import { Mutex, ReadWriteLock, Semaphore } from '../../../src/recipes/lock';
import { GroupMember } from '../../../src/recipes/membership';
import { eventually, scaled } from '../../helpers';
import { Clients } from '../../helpers/clients';
import { sharedServer } from '../../helpers/shared-server';

const server = sharedServer({ jvmOptions: ['-Dznode.container.checkIntervalMs=100'] });
const clients = new Clients(() => server.connectString, { prefix: 'containers' });

beforeEach(() => clients.renew());
afterEach(() => clients.closeAll());

/** Resolves once `path` is gone (reaped by the server's container check). */
async function reaped(client: Awaited<ReturnType<Clients['start']>>, path: string): Promise<void> {
  await eventually(async () => (await client.exists(path)) === null, scaled(20_000));
}

test('a lock path with no contenders left is gone after the server’s container check, parents too', async () => {
  const client = await clients.start();
  const mutex = new Mutex(client, '/app/locks/orders');
  const handle = await mutex.acquire();
  await handle.release();
  await reaped(client, '/app/locks/orders');
  await reaped(client, '/app');
  // And the next acquisition makes them again.
  await (await mutex.acquire()).release();
});

test('a read-write lock path, a semaphore’s leases/ and locks/, a latch path and a group path are containers too', async () => {
  const client = await clients.start();
  await (await new ReadWriteLock(client, '/rw').writeLock().acquire()).release();
  await (await new Semaphore(client, '/sem', { maxLeases: 1 }).acquire()).release();
  const latch = new LeaderLatch(client, '/latch', { id: 'a' });
  await latch.start();
  await latch.close();
  const member = new GroupMember(client, '/group', { id: 'a' });
  await member.start();
  await member.close();
  for (const path of ['/rw', '/sem/leases', '/sem/locks', '/sem', '/latch', '/group']) await reaped(client, path);
});

test('over a transport without containers or create2, parents are persistent and tokens still grow', async () => {
  const client = await clients.start({ transport: 'node-zookeeper-client' });
  const mutex = new Mutex(client, '/old/lock');
  const first = await mutex.acquire();
  await first.release();
  const second = await mutex.acquire();
  expect(second.fencingToken).toBeGreaterThan(first.fencingToken);
  await second.release();
  // A persistent parent stays: it still exists once a container made after it has been reaped.
  const modern = await clients.start();
  await (await new Mutex(modern, '/new/lock').acquire()).release();
  await reaped(modern, '/new/lock');
  expect(await client.exists('/old/lock')).not.toBeNull();
});
