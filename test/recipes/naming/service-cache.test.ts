/** ServiceCache against a real server: 30 instances of 3 services coming and going at once; every cache converges. */
import type { ZkClient } from '../../../src/client';
import { ServiceCache, ServiceDiscovery, serviceInstance, type ServiceInstance } from '../../../src/recipes/naming';
import { RecipeStateError } from '../../../src/recipes/shared/errors';
import { TestingProxy } from '../../../src/testing';
import { scaled, waitForEvent, waitForState } from '../../helpers';
import { Clients } from '../../helpers/clients';
import { sharedServer } from '../../helpers/shared-server';

const server = sharedServer();
const clients = new Clients(() => server.connectString, { prefix: 'naming' });
const recipes: Array<{ close(): Promise<void> }> = [];

function track<T extends { close(): Promise<void> }>(recipe: T): T {
  recipes.push(recipe);
  return recipe;
}

async function startedDiscovery(client: ZkClient): Promise<ServiceDiscovery> {
  const discovery = track(new ServiceDiscovery(client, { basePath: '/services' }));
  await discovery.start();
  return discovery;
}

const ids = (instances: readonly ServiceInstance[]): string => instances.map((i) => i.id).sort().join(',');

/** Resolves once `cache` holds exactly the instances (by id and port) that `truth` lists, checked on every change. */
async function converges(cache: ServiceCache, truth: () => Promise<ServiceInstance[]>): Promise<void> {
  const key = (instances: readonly ServiceInstance[]): string => instances.map((i) => `${i.id}:${i.port}`).sort().join(',');
  const wanted = key(await truth());
  if (key(cache.instances()) === wanted) return;
  await waitForEvent(cache, 'change', (instances: ServiceInstance[]) => key(instances) === wanted, scaled(20_000)).catch((error: unknown) => {
    throw new Error(`cache of ${cache.name} sees ${key(cache.instances())}, wanted ${wanted}`, { cause: error });
  });
}

beforeEach(() => clients.renew());
afterEach(async () => {
  await Promise.all(recipes.splice(0).map((r) => r.close()));
  await clients.closeAll();
});

test('the list, change events and the async iterator follow registrations', async () => {
  const [client, other] = await clients.startMany(2);
  const d = await startedDiscovery(client!);
  const cache = track(new ServiceCache(await startedDiscovery(other!), 'api'));
  await cache.start();
  expect(cache.instances()).toEqual([]);
  const iterator = cache.changes();
  expect((await iterator.next()).value).toEqual([]);

  const a = serviceInstance({ name: 'api', id: 'a', port: 1 });
  const changed = waitForEvent(cache, 'change', (list: ServiceInstance[]) => list.length === 1);
  await d.register(a);
  const [list] = await changed;
  expect(list).toEqual([a]);
  expect((await iterator.next()).value).toEqual([a]);

  await d.update({ ...a, port: 2 });
  expect((await iterator.next()).value).toEqual([{ ...a, port: 2 }]);
  await d.unregister(a);
  expect((await iterator.next()).value).toEqual([]);

  await cache.close();
  expect((await iterator.next()).done).toBe(true);
  expect(cache.instances()).toEqual([]);
});

test('30 instances of 3 services register and unregister concurrently; every cache converges to the truth', async () => {
  const services = ['alpha', 'beta', 'gamma'];
  const registrantClients = await clients.startMany(6);
  const registrants = await Promise.all(registrantClients.map((c) => startedDiscovery(c)));
  const watchers = await clients.startMany(3);
  const caches: ServiceCache[] = [];
  for (const watcher of watchers) {
    const discovery = await startedDiscovery(watcher);
    for (const name of services) caches.push(track(new ServiceCache(discovery, name)));
  }
  await Promise.all(caches.map((c) => c.start()));
  const admin = await startedDiscovery(await clients.start());
  const truth = (name: string) => () => admin.queryForInstances(name);
  const instances = Array.from({ length: 30 }, (_, i) => serviceInstance({ name: services[i % 3]!, id: `i${i}`, port: 1000 + i }));
  const owner = (i: number): ServiceDiscovery => registrants[i % registrants.length]!;

  // Everything at once: register all 30, then unregister every third while updating every fifth, then bring
  // some back, without waiting in between.
  await Promise.all(instances.map((instance, i) => owner(i).register(instance)));
  await Promise.all(caches.map((cache) => converges(cache, truth(cache.name))));
  expect(caches.every((cache) => cache.instances().length === 10)).toBe(true);

  await Promise.all(
    instances.map((instance, i) => {
      if (i % 3 === 0) return owner(i).unregister(instance);
      if (i % 5 === 0) return owner(i).update({ ...instance, port: 2000 + i });
      return Promise.resolve();
    }),
  );
  await Promise.all(instances.filter((_, i) => i % 6 === 0).map((instance) => owner(Number(instance.id.slice(1))).register(instance)));
  for (const cache of caches) await converges(cache, truth(cache.name));
  const total = (await Promise.all(services.map((name) => admin.queryForInstances(name)))).flat();
  expect(total).toHaveLength(30 - 10 + 5);
  expect(total.find((i) => i.id === 'i5')?.port).toBe(2005);

  // One registrant's session expires: its instances vanish and come back; the caches follow.
  const comeBack = registrants[1]!
    .registered()
    .map((instance) => waitForEvent(registrants[1]!, 'registered', (again: ServiceInstance) => again.id === instance.id));
  expect(comeBack.length).toBeGreaterThan(0);
  await server.expireSession(registrantClients[1]!);
  await Promise.all(comeBack);
  for (const cache of caches) await converges(cache, truth(cache.name));
  // A registrant closes: its instances go for good.
  await registrants[2]!.close();
  for (const cache of caches) await converges(cache, truth(cache.name));
  expect(ids(caches.flatMap((c) => c.instances()))).not.toMatch(/\bi2\b/);
});

test('changes made while the cache is cut off arrive after it reconnects', async () => {
  const proxy = await TestingProxy.start(server.connectString);
  recipes.push(proxy);
  const watcher = await clients.start({ connectString: proxy.connectString, sessionTimeoutMs: 8000 });
  const registry = await startedDiscovery(await clients.start());
  await Promise.all(['a', 'b'].map((id) => registry.register(serviceInstance({ name: 'api', id, port: 1 }))));
  const cache = track(new ServiceCache(await startedDiscovery(watcher), 'api'));
  await cache.start();
  await converges(cache, () => registry.queryForInstances('api'));

  const suspended = waitForState(watcher, 'suspended');
  proxy.rejectConnections(true);
  proxy.cut();
  await suspended;
  await registry.unregister({ name: 'api', id: 'a' });
  await registry.update(serviceInstance({ name: 'api', id: 'b', port: 2 }));
  await registry.register(serviceInstance({ name: 'api', id: 'c', port: 3 }));
  expect(ids(cache.instances())).toBe('a,b');
  proxy.rejectConnections(false);
  await converges(cache, () => registry.queryForInstances('api'));
  expect(cache.instances().map((i) => `${i.id}:${i.port}`)).toEqual(['b:2', 'c:3']);
});

test('lifecycle: start twice, close twice; closing the discovery closes its caches', async () => {
  const [client] = await clients.startMany(1);
  const discovery = await startedDiscovery(client!);
  const cache = new ServiceCache(discovery, 'api');
  expect(() => new ServiceCache(discovery, 'a/b')).toThrow(TypeError);
  // eslint-disable-next-line @typescript-eslint/no-unsafe-class-instance-assignment -- a JavaScript caller's wrong argument, which the constructor must refuse
  expect(() => new ServiceCache({} as ServiceDiscovery, 'api')).toThrow(TypeError);
  await cache.start();
  await expect(cache.start()).rejects.toBeInstanceOf(RecipeStateError);
  await discovery.close();
  expect(cache.state).toBe('closed');
  await Promise.all([cache.close(), cache.close()]);
  expect(client!.listenerCount('state')).toBe(0);
});
