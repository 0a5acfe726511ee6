/** The lifecycle contract, over every start/close recipe of the naming family. */
import type { ZkClient } from '../../../src/client';
import {
  IdBlockAllocator,
  NamingTimeoutError,
  SequentialIdGenerator,
  ServiceCache,
  ServiceDiscovery,
  serviceInstance,
  ServiceProvider,
} from '../../../src/recipes/naming';
import { RecipeStateError } from '../../../src/recipes/shared/errors';
import { TestingProxy } from '../../../src/testing';
import { waitForState } from '../../helpers';
import { Clients } from '../../helpers/clients';
import { leavesNothingBehind } from '../../helpers/resources';
import { sharedServer } from '../../helpers/shared-server';

const server = sharedServer();
const clients = new Clients(() => server.connectString, { prefix: 'naming' });
const proxies: TestingProxy[] = [];

interface Lifecycle {
  readonly state: string;
  start(): Promise<void>;
  close(): Promise<void>;
}

/** Each recipe on a fresh discovery (itself started, except when the recipe under test is the discovery). */
const recipes: Array<[string, (client: ZkClient) => Promise<Lifecycle>]> = [
  ['ServiceDiscovery', async (client) => new ServiceDiscovery(client, { basePath: '/services' })],
  ['ServiceCache', async (client) => new ServiceCache(await startedDiscovery(client), 'api')],
  ['ServiceProvider', async (client) => new ServiceProvider(await startedDiscovery(client), 'api')],
];

async function startedDiscovery(client: ZkClient): Promise<ServiceDiscovery> {
  const discovery = new ServiceDiscovery(client, { basePath: '/services' });
  await discovery.start();
  return discovery;
}

beforeEach(() => clients.renew());
afterEach(async () => {
  await clients.closeAll();
  await Promise.all(proxies.splice(0).map((p) => p.close()));
});

describe.each(recipes)('%s', (_name, make) => {
  test('start twice rejects; close twice shares one promise; start after close rejects; nothing left on the client', async () => {
    const client = await clients.start();
    const baseline = client.listenerCount('state');
    const recipe = await make(client);
    expect(recipe.state).toBe('latent');
    await recipe.start();
    expect(recipe.state).toBe('started');
    await expect(recipe.start()).rejects.toBeInstanceOf(RecipeStateError);
    const closing = recipe.close();
    expect(recipe.close()).toBe(closing);
    await closing;
    expect(recipe.state).toBe('closed');
    await expect(recipe.start()).rejects.toBeInstanceOf(RecipeStateError);
    expect(client.listenerCount('state')).toBe(baseline);
  });

  test('close before start: closed at once, start rejects', async () => {
    const recipe = await make(await clients.start());
    await recipe.close();
    expect(recipe.state).toBe('closed');
    await expect(recipe.start()).rejects.toBeInstanceOf(RecipeStateError);
  });

  test('close while starting (server unreachable): start rejects, close resolves', async () => {
    const proxy = await TestingProxy.start(server.connectString);
    proxies.push(proxy);
    const client = await clients.start({ connectString: proxy.connectString, sessionTimeoutMs: 6000 });
    const recipe = await make(client);
    const suspended = waitForState(client, 'suspended');
    proxy.rejectConnections(true);
    proxy.cut();
    await suspended;
    const starting = recipe.start();
    await recipe.close();
    await expect(starting).rejects.toBeInstanceOf(RecipeStateError);
    expect(recipe.state).toBe('closed');
  });

  test('on a closed client, start rejects with CLIENT_CLOSED', async () => {
    const client = await clients.start();
    const recipe = await make(client);
    await client.close();
    await expect(recipe.start()).rejects.toMatchObject({ code: 'CLIENT_CLOSED' });
  });
});

test('a cache or provider of a closed discovery does not start', async () => {
  const discovery = await startedDiscovery(await clients.start());
  await discovery.close();
  await expect(new ServiceCache(discovery, 'api').start()).rejects.toBeInstanceOf(RecipeStateError);
  await expect(new ServiceProvider(discovery, 'api').start()).rejects.toBeInstanceOf(RecipeStateError);
});

test('a discovery with registrations, a cache, a provider and id generators, closed, leaves no socket or timer behind', async () => {
  await leavesNothingBehind(async () => {
    const client = await clients.start();
    const discovery = new ServiceDiscovery(client, { basePath: '/services' });
    await discovery.start();
    await discovery.register(serviceInstance({ name: 'api', id: 'a', port: 1 }));
    const cache = new ServiceCache(discovery, 'api');
    const provider = new ServiceProvider(discovery, 'other', { downInstancePolicy: { coolDownMs: 60_000 } });
    await Promise.all([cache.start(), provider.start()]);
    await expect(provider.waitForInstance({ timeoutMs: 20 })).rejects.toBeInstanceOf(NamingTimeoutError);
    const pending = expect(provider.waitForInstance()).rejects.toBeInstanceOf(RecipeStateError);
    await new IdBlockAllocator(client, '/ids/block').next();
    await new SequentialIdGenerator(client, '/ids/seq').next();
    await discovery.close(); // closes the cache and the provider too
    await pending;
    await client.close();
  });
});
