/**
 * Service discovery on a 3-node ensemble while a follower and the leader are SIGKILLed and restarted:
 * sessions survive a failover, so registrations stay (same czxid), no provider loses an instance, and
 * caches keep up with the changes made meanwhile.
 */
import { ServiceCache, ServiceDiscovery, serviceInstance, ServiceProvider, type ServiceInstance } from '../../../src/recipes/naming';
import { scaled, waitForEvent } from '../../helpers';
import { Clients } from '../../helpers/clients';
import { sharedCluster } from '../../helpers/shared-server';

const cluster = sharedCluster({ size: 3 });
const clients = new Clients(() => cluster.connectString, { prefix: 'naming' });
afterEach(() => clients.closeAll());

test('a follower and the leader killed: instances stay, providers keep them, caches follow updates', async () => {
  const pool = await clients.startMany(3, { sessionTimeoutMs: 10_000 });
  const [registrant, watcher] = await Promise.all(
    pool.slice(0, 2).map(async (client) => {
      const discovery = new ServiceDiscovery(client, { basePath: '/services' });
      await discovery.start();
      return discovery;
    }),
  );
  const instances = ['a', 'b', 'c'].map((id) => serviceInstance({ name: 'api', id, port: 1 }));
  await Promise.all(instances.map((instance) => registrant!.register(instance)));
  const cache = new ServiceCache(watcher!, 'api');
  const provider = new ServiceProvider(watcher!, 'api');
  await Promise.all([cache.start(), provider.start()]);
  if (cache.instances().length < 3) await waitForEvent(cache, 'change', (list: ServiceInstance[]) => list.length === 3, scaled(30_000));
  const czxids = await Promise.all(instances.map(async ({ id }) => (await pool[2]!.exists(`/services/api/${id}`))!.czxid));
  const shrank: number[] = [];
  cache.on('change', (list) => {
    if (list.length < 3) shrank.push(list.length);
  });

  for (const [round, which] of (['follower', 'leader'] as const).entries()) {
    const leader = await cluster.waitForLeader({ timeoutMs: scaled(30_000) });
    const victim = which === 'leader' ? leader : (leader + 1) % 3;
    await cluster.kill(victim);
    const port = 10 + round;
    const updated = waitForEvent(cache, 'change', (list: ServiceInstance[]) => list.some((i) => i.id === 'a' && i.port === port), scaled(30_000));
    await registrant!.update({ ...instances[0]!, port }, { timeoutMs: scaled(30_000) });
    await updated;
    expect(provider.getAllInstances()).toHaveLength(3);
    await cluster.restart(victim, { timeoutMs: scaled(60_000) });
  }

  expect(shrank).toEqual([]);
  const after = await Promise.all(instances.map(async ({ id }) => (await pool[2]!.exists(`/services/api/${id}`))!.czxid));
  expect(after).toEqual(czxids);
  await Promise.all([registrant!.close(), watcher!.close()]);
});
