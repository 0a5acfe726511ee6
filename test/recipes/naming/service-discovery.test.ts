/** ServiceDiscovery against a real server: register, query, update, unregister, session expiry, lifecycle, bad input. */
import { READ_ACL_UNSAFE, type ZkClient } from '../../../src/client';
import { PersistentNodeTimeoutError } from '../../../src/recipes/membership';
import { ownerSessionId } from '../../../src/client/protected-create';
import { ServiceDiscovery, ServiceNotRegisteredError, InvalidServiceInstanceError, serviceInstance } from '../../../src/recipes/naming';
import { RecipeStateError } from '../../../src/recipes/shared/errors';
import { TestingProxy } from '../../../src/testing';
import { eventually, waitForEvent, waitForState } from '../../helpers';
import { Clients } from '../../helpers/clients';
import { sharedServer } from '../../helpers/shared-server';

const server = sharedServer();
const clients = new Clients(() => server.connectString, { prefix: 'naming' });
const discoveries: ServiceDiscovery[] = [];
const proxies: TestingProxy[] = [];

function discovery(client: ZkClient, basePath = '/services'): ServiceDiscovery {
  const made = new ServiceDiscovery(client, { basePath });
  discoveries.push(made);
  return made;
}

async function ownerOf(client: ZkClient, path: string): Promise<string | undefined> {
  const stat = await client.exists(path);
  return stat === null ? undefined : ownerSessionId(stat);
}

beforeEach(() => clients.renew());
afterEach(async () => {
  await Promise.all(discoveries.splice(0).map((d) => d.close()));
  await clients.closeAll();
  await Promise.all(proxies.splice(0).map((p) => p.close()));
});

test('register writes <basePath>/<name>/<id> as an ephemeral with Curator JSON; queries find it; close unregisters', async () => {
  const [client, other] = await clients.startMany(2);
  const mine = discovery(client!);
  const theirs = discovery(other!);
  await Promise.all([mine.start(), theirs.start()]);
  expect(await theirs.queryForNames()).toEqual([]);
  expect(await theirs.queryForInstances('api')).toEqual([]);

  const a = serviceInstance({ name: 'api', id: 'a', address: '127.0.0.1', port: 8080, registrationTimeUTC: 1 });
  const b = serviceInstance({ name: 'api', id: 'b', address: '127.0.0.1', port: 8081 });
  const w = serviceInstance({ name: 'worker', id: 'w', address: '127.0.0.1' });
  await Promise.all([mine.register(a), mine.register(b), mine.register(w)]);

  const { data } = await other!.getData('/services/api/a');
  expect(data.toString()).toBe(
    '{"name":"api","id":"a","address":"127.0.0.1","port":8080,"sslPort":null,"payload":null,"registrationTimeUTC":1,"serviceType":"DYNAMIC","uriSpec":null}',
  );
  expect(await ownerOf(other!, '/services/api/a')).toBe(client!.sessionId);
  expect(await theirs.queryForNames()).toEqual(['api', 'worker']);
  expect(await theirs.queryForInstances('api')).toEqual([a, b]);
  expect(await theirs.queryForInstance('api', 'b')).toEqual(b);
  expect(await theirs.queryForInstance('api', 'nope')).toBeUndefined();
  expect(mine.registered()).toEqual([a, b, w]);

  await mine.close();
  expect(await theirs.queryForInstances('api')).toEqual([]);
  expect(await theirs.queryForInstances('worker')).toEqual([]);
});

test('update rewrites the data of a registered instance; unknown ones are refused; unregister removes it', async () => {
  const [client, other] = await clients.startMany(2);
  const d = discovery(client!);
  await d.start();
  const a = serviceInstance({ name: 'api', id: 'a', port: 1000 });
  await expect(d.update(a)).rejects.toBeInstanceOf(ServiceNotRegisteredError);
  await d.register(a);
  const moved = { ...a, port: 2000, enabled: false };
  await d.update(moved);
  const seen = await discovery(other!).queryForInstance('api', 'a');
  expect(seen).toEqual(moved);
  await expect(d.update({ ...a, serviceType: 'STATIC' })).rejects.toMatchObject({ field: 'serviceType' });
  // register() of a registered id updates it too.
  await d.register({ ...moved, port: 3000 });
  expect((await d.queryForInstance('api', 'a'))?.port).toBe(3000);

  await d.unregister(a);
  expect(await other!.exists('/services/api/a')).toBeNull();
  await expect(d.update(a)).rejects.toBeInstanceOf(ServiceNotRegisteredError);
  await d.unregister(a); // nothing there: resolves
});

test('session expiry: the instance is registered again in the new session', async () => {
  const [client, other] = await clients.startMany(2);
  const d = discovery(client!);
  await d.start();
  await d.register(serviceInstance({ name: 'api', id: 'a' }));
  const before = await other!.exists('/services/api/a');

  const again = waitForEvent(d, 'registered', (instance: { id: string }) => instance.id === 'a');
  await server.expireSession(client!);
  await again;
  expect(await ownerOf(other!, '/services/api/a')).toBe(client!.sessionId);
  const after = await other!.exists('/services/api/a');
  expect(after!.czxid).toBeGreaterThan(before!.czxid);
});

test('a connection loss that keeps the session keeps the same node (no churn)', async () => {
  const proxy = await TestingProxy.start(server.connectString);
  proxies.push(proxy);
  const client = await clients.start({ connectString: proxy.connectString, sessionTimeoutMs: 6000 });
  const admin = await clients.start();
  const d = discovery(client);
  await d.start();
  const a = serviceInstance({ name: 'api', id: 'a', port: 1 });
  await d.register(a);
  const { czxid } = (await admin.exists('/services/api/a'))!;
  const reconnected = waitForState(client, 'reconnected');
  proxy.cut();
  await reconnected;
  await d.update({ ...a, port: 2 });
  expect((await admin.exists('/services/api/a'))!.czxid).toBe(czxid);
  expect((await d.queryForInstance('api', 'a'))?.port).toBe(2);
});

test('close() while a register() waits for a server that cannot be reached ends both at once', async () => {
  const proxy = await TestingProxy.start(server.connectString);
  proxies.push(proxy);
  const client = await clients.start({ connectString: proxy.connectString, sessionTimeoutMs: 6000 });
  const d = discovery(client);
  await d.start();
  const suspended = waitForState(client, 'suspended');
  proxy.rejectConnections(true);
  proxy.cut();
  await suspended;
  const registering = d.register(serviceInstance({ name: 'api', id: 'a' }));
  const queued = d.register(serviceInstance({ name: 'api', id: 'a', port: 2 }));
  await eventually(() => d.registered().length === 1); // the first is under way, waiting for the server
  await d.close();
  await expect(registering).rejects.toBeInstanceOf(RecipeStateError);
  await expect(queued).rejects.toBeInstanceOf(RecipeStateError);
});

test('service types: STATIC is persistent and unregistered on close; PERMANENT outlives close; DYNAMIC_SEQUENTIAL gets a sequence', async () => {
  const [client, other] = await clients.startMany(2);
  const d = discovery(client!);
  await d.start();
  const fixed = serviceInstance({ name: 's', id: 'static', serviceType: 'STATIC' });
  const permanent = serviceInstance({ name: 's', id: 'permanent', serviceType: 'PERMANENT' });
  const sequential = serviceInstance({ name: 's', id: 'seq-', serviceType: 'DYNAMIC_SEQUENTIAL' });
  await Promise.all([d.register(fixed), d.register(permanent), d.register(sequential)]);
  expect((await other!.exists('/services/s/static'))!.ephemeralOwner).toBe(0n);
  expect((await other!.exists('/services/s/permanent'))!.ephemeralOwner).toBe(0n);
  const names = (await other!.getChildren('/services/s')).children;
  const seq = names.find((name) => /seq-\d{10}$/.test(name));
  expect(seq).toBeDefined();
  expect(await ownerOf(other!, `/services/s/${seq}`)).toBe(client!.sessionId);
  const ids = (await d.queryForInstances('s')).map((i) => i.id).sort();
  expect(ids).toEqual(['permanent', 'seq-', 'static']);

  await d.close();
  expect((await other!.getChildren('/services/s')).children).toEqual(['permanent']);
  // Another process removes the permanent instance explicitly.
  const cleaner = discovery(other!);
  await cleaner.start();
  await cleaner.unregister(permanent);
  expect((await other!.getChildren('/services/s')).children).toEqual([]);
});

test('a registration the server refuses (NO_AUTH) rejects with its code and is dropped; a timeout leaves it registering', async () => {
  const [client, admin] = await clients.startMany(2);
  await admin!.create('/readonly', '', { acl: READ_ACL_UNSAFE });
  const refused = discovery(client!, '/readonly');
  await refused.start();
  await expect(refused.register(serviceInstance({ name: 'api', id: 'a' }))).rejects.toMatchObject({ code: 'NO_AUTH' });
  expect(refused.registered()).toEqual([]);

  // Another session holds the id: our register waits (and times out), the registration stays and wins later.
  await admin!.create('/services/api/b', 'theirs', { mode: 'ephemeral', createParents: true });
  const d = discovery(client!);
  await d.start();
  const b = serviceInstance({ name: 'api', id: 'b' });
  await expect(d.register(b, { timeoutMs: 100 })).rejects.toBeInstanceOf(PersistentNodeTimeoutError);
  expect(d.registered()).toEqual([b]);
  const registered = waitForEvent(d, 'registered');
  await admin!.delete('/services/api/b');
  await registered;
  expect(await ownerOf(admin!, '/services/api/b')).toBe(client!.sessionId);
});

test('unregister leaves another session\'s ephemeral instance alone', async () => {
  const [client, other] = await clients.startMany(2);
  const d = discovery(client!);
  const e = discovery(other!);
  await Promise.all([d.start(), e.start()]);
  const a = serviceInstance({ name: 'api', id: 'a' });
  await d.register(a);
  await e.unregister(a);
  expect(await ownerOf(other!, '/services/api/a')).toBe(client!.sessionId);
});

test('bad input: typed errors and nothing written', async () => {
  const [client, other] = await clients.startMany(2);
  expect(() => new ServiceDiscovery(client!, { basePath: 'relative' })).toThrow(TypeError);
  expect(() => new ServiceDiscovery(client!, undefined as never)).toThrow(/ServiceDiscovery: options must be an object/);
  expect(() => new ServiceDiscovery(undefined as never, { basePath: '/s' })).toThrow(/client/);
  const d = discovery(client!);
  await d.start();
  const good = serviceInstance({ name: 'api', id: 'a' });
  const cyclic: Record<string, unknown> = {};
  cyclic['self'] = cyclic;
  for (const bad of [
    { ...good, name: 'a/b' },
    { ...good, id: 'x/y' },
    { ...good, port: 70_000 },
    { ...good, sslPort: 0 },
    { ...good, payload: cyclic },
    { ...good, payload: { n: 10n } },
    null,
  ]) {
    await expect(d.register(bad as never)).rejects.toBeInstanceOf(InvalidServiceInstanceError);
  }
  await expect(d.queryForInstances('a/b')).rejects.toBeInstanceOf(InvalidServiceInstanceError);
  await expect(d.register(good, { timeoutMs: -1 })).rejects.toBeInstanceOf(RangeError);
  expect(await other!.exists('/services')).toBeNull();
});

test('node data that is not an instance is skipped by queries and reported on error', async () => {
  const [client] = await clients.startMany(1);
  const d = discovery(client!);
  await d.start();
  await d.register(serviceInstance({ name: 'api', id: 'good' }));
  await client!.create('/services/api/junk', 'not json');
  const errors: Error[] = [];
  d.on('error', (error) => errors.push(error));
  expect((await d.queryForInstances('api')).map((i) => i.id)).toEqual(['good']);
  expect(errors[0]).toBeInstanceOf(InvalidServiceInstanceError);
  expect(errors[0]!.message).toMatch('/services/api/junk');
});

test('lifecycle: start twice, close twice, register before start or after close rejects, nothing left', async () => {
  const [client, other] = await clients.startMany(2);
  const d = discovery(client!);
  await expect(d.register(serviceInstance({ name: 'api' }))).rejects.toBeInstanceOf(RecipeStateError);
  await d.start();
  await expect(d.start()).rejects.toBeInstanceOf(RecipeStateError);
  await d.register(serviceInstance({ name: 'api', id: 'a' }));
  await Promise.all([d.close(), d.close()]);
  await d.close();
  expect(d.state).toBe('closed');
  await expect(d.register(serviceInstance({ name: 'api' }))).rejects.toBeInstanceOf(RecipeStateError);
  expect((await other!.getChildren('/services/api')).children).toEqual([]);
  expect(client!.listenerCount('state')).toBe(0);

  const closedClient = await clients.start();
  await closedClient.close();
  await expect(discovery(closedClient).start()).rejects.toMatchObject({ code: 'CLIENT_CLOSED' });
});
