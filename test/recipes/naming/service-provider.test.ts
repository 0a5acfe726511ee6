/** ServiceProvider against a real server: strategies, filters, the down-instance policy, expired sessions. */
import type { ZkClient } from '../../../src/client';
import {
  NamingTimeoutError,
  serializeServiceInstance,
  ServiceDiscovery,
  serviceInstance,
  ServiceProvider,
  type ServiceInstance,
  type ServiceProviderOptions,
} from '../../../src/recipes/naming';
import { RecipeStateError } from '../../../src/recipes/shared/errors';
import { eventually, scaled } from '../../helpers';
import { Clients } from '../../helpers/clients';
import { sharedServer } from '../../helpers/shared-server';

const server = sharedServer();
const clients = new Clients(() => server.connectString, { prefix: 'naming' });
const recipes: Array<{ close(): Promise<void> }> = [];

async function startedDiscovery(client: ZkClient): Promise<ServiceDiscovery> {
  const discovery = new ServiceDiscovery(client, { basePath: '/services' });
  recipes.push(discovery);
  await discovery.start();
  return discovery;
}

/** A started provider of `api` on its own client, once it sees `count` instances. */
async function provider(options: ServiceProviderOptions = {}, count = 0): Promise<ServiceProvider> {
  const made = new ServiceProvider(await startedDiscovery(await clients.start()), 'api', options);
  recipes.push(made);
  await made.start();
  await eventually(() => made.getAllInstances().length === count);
  return made;
}

const api = (id: string, extra: Partial<ServiceInstance> = {}) => serviceInstance({ name: 'api', id, address: '127.0.0.1', port: 9000, ...extra });

beforeEach(() => clients.renew());
afterEach(async () => {
  await Promise.all(recipes.splice(0).reverse().map((r) => r.close()));
  await clients.closeAll();
});

test('round-robin spreads evenly', async () => {
  const registry = await startedDiscovery(await clients.start());
  await Promise.all(['a', 'b', 'c'].map((id) => registry.register(api(id))));
  const p = await provider({}, 3);
  const counts = new Map<string, number>();
  for (let i = 0; i < 300; i += 1) {
    const id = p.getInstance()!.id;
    counts.set(id, (counts.get(id) ?? 0) + 1);
  }
  expect(Object.fromEntries(counts)).toEqual({ a: 100, b: 100, c: 100 });
});

test('random hands out every instance', async () => {
  const registry = await startedDiscovery(await clients.start());
  await Promise.all(['a', 'b', 'c'].map((id) => registry.register(api(id))));
  const p = await provider({ strategy: 'random' }, 3);
  const seen = new Set<string>();
  for (let i = 0; i < 300; i += 1) seen.add(p.getInstance()!.id);
  expect([...seen].sort()).toEqual(['a', 'b', 'c']);
});

test('sticky stays on its instance until it goes, then sticks to the next', async () => {
  const registry = await startedDiscovery(await clients.start());
  await Promise.all(['a', 'b', 'c'].map((id) => registry.register(api(id))));
  const p = await provider({ strategy: 'sticky' }, 3);
  const first = p.getInstance()!;
  for (let i = 0; i < 50; i += 1) expect(p.getInstance()!.id).toBe(first.id);
  await registry.register(api('d'));
  await eventually(() => p.getAllInstances().length === 4);
  for (let i = 0; i < 50; i += 1) expect(p.getInstance()!.id).toBe(first.id);

  await registry.unregister(first);
  await eventually(() => p.getAllInstances().length === 3);
  const second = p.getInstance()!;
  expect(second.id).not.toBe(first.id);
  for (let i = 0; i < 50; i += 1) expect(p.getInstance()!.id).toBe(second.id);
});

test('filter and enabled: false leave instances out; nothing left means undefined', async () => {
  const registry = await startedDiscovery(await clients.start());
  await Promise.all([registry.register(api('a', { port: 1 })), registry.register(api('b', { port: 2 })), registry.register(api('c', { enabled: false }))]);
  const p = await provider({ filter: (instance) => instance.port !== 2 }, 1);
  expect(p.getAllInstances().map((i) => i.id)).toEqual(['a']);
  await registry.unregister(api('a'));
  await eventually(() => p.getAllInstances().length === 0);
  expect(p.getInstance()).toBeUndefined();
});

test('noteError: errorThreshold errors within the window take an instance out for the cool-down', async () => {
  const registry = await startedDiscovery(await clients.start());
  await Promise.all(['a', 'b'].map((id) => registry.register(api(id))));
  const coolDownMs = scaled(500);
  const p = await provider({ downInstancePolicy: { errorThreshold: 2, windowMs: 60_000, coolDownMs } }, 2);
  const a = p.getAllInstances().find((i) => i.id === 'a')!;
  p.noteError(a);
  expect(p.getAllInstances()).toHaveLength(2);
  const downAt = performance.now();
  p.noteError(a);
  expect(p.getAllInstances().map((i) => i.id)).toEqual(['b']);
  for (let i = 0; i < 20; i += 1) expect(p.getInstance()!.id).toBe('b');
  // No event announces the end of a cool-down: look until it is over.
  await eventually(() => p.getAllInstances().length === 2);
  expect(performance.now() - downAt).toBeGreaterThanOrEqual(coolDownMs - 1);

  // A restarted 'a' (registered anew, so a new registration time) is not held to the old one's record.
  p.noteError(a);
  p.noteError(a);
  expect(p.getAllInstances().map((i) => i.id)).toEqual(['b']);
  await registry.unregister(a);
  await registry.register(api('a', { registrationTimeUTC: a.registrationTimeUTC + 1 }));
  await eventually(() => p.getAllInstances().length === 2);
});

test('waitForInstance resolves when one registers; times out with a typed error; aborts with the reason', async () => {
  const registry = await startedDiscovery(await clients.start());
  const p = await provider();
  await expect(p.waitForInstance({ timeoutMs: 50 })).rejects.toBeInstanceOf(NamingTimeoutError);
  const controller = new AbortController();
  const aborted = p.waitForInstance({ signal: controller.signal });
  controller.abort(new Error('stop'));
  await expect(aborted).rejects.toThrow('stop');
  const waiting = p.waitForInstance({ timeoutMs: scaled(20_000) });
  await registry.register(api('late'));
  expect((await waiting).id).toBe('late');
});

test('never hands out an instance whose session ended once a later change is seen', async () => {
  const p = await provider({}, 0);
  const admin = await clients.start();
  for (let round = 0; round < 3; round += 1) {
    // A crashed process: its instance is a plain ephemeral that nobody re-registers.
    const victim = await clients.start();
    const dead = api(`dead-${round}`);
    await victim.create(`/services/api/${dead.id}`, serializeServiceInstance(dead), { mode: 'ephemeral', createParents: true });
    await eventually(() => p.getAllInstances().some((i) => i.id === dead.id));
    await server.expireSession(victim);
    // Created after the session ended (the server had expired it before expireSession resolved): once the
    // provider sees this marker, it has seen the deletion before it (ZooKeeper delivers in order).
    const marker = api(`marker-${round}`);
    await admin.create(`/services/api/${marker.id}`, serializeServiceInstance(marker), { mode: 'ephemeral' });
    await eventually(() => {
      const ids = p.getAllInstances().map((i) => i.id);
      if (ids.includes(marker.id) && ids.includes(dead.id)) throw new Error(`handed out ${dead.id} after ${marker.id}`);
      return ids.includes(marker.id);
    }, scaled(20_000), 1);
    for (let i = 0; i < 20; i += 1) expect(p.getInstance()!.id).not.toBe(dead.id);
    await victim.close();
  }
});

test('bad options are refused naming the option; lifecycle', async () => {
  const discovery = await startedDiscovery(await clients.start());
  expect(() => new ServiceProvider(discovery, 'api', { strategy: 'fastest' as never })).toThrow(/strategy/);
  expect(() => new ServiceProvider(discovery, 'api', { filter: 'x' as never })).toThrow(/filter/);
  expect(() => new ServiceProvider(discovery, 'api', { downInstancePolicy: { errorThreshold: 0 } })).toThrow(RangeError);
  expect(() => new ServiceProvider(discovery, 'api', { downInstancePolicy: { coolDownMs: 'x' as never } })).toThrow(/coolDownMs/);
  expect(() => new ServiceProvider(discovery, 'a/b')).toThrow(TypeError);
  const p = new ServiceProvider(discovery, 'api');
  expect(() => p.getInstance()).toThrow(RecipeStateError);
  await p.start();
  await expect(p.start()).rejects.toBeInstanceOf(RecipeStateError);
  const waiting = expect(p.waitForInstance()).rejects.toBeInstanceOf(RecipeStateError);
  await discovery.close(); // closes the provider too
  await waiting;
  expect(p.state).toBe('closed');
  await Promise.all([p.close(), p.close()]);
});
