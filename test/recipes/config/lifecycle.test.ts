/**
 * The lifecycle contract over every long-lived config recipe: start once, close once, nothing left behind.
 * (The shared suite in test/recipes/shared/lifecycle-contract.test.ts also expects a start the server refuses
 * — an ephemeral parent, a read-only ACL — which a cache that only reads never meets; these are its other
 * clauses, for the config family.)
 */
import type { ZkClient } from '../../../src/client';
import { ConfigCache, NodeCache, SharedCount, SharedValue, TreeCache } from '../../../src/recipes/config';
import { RecipeStateError, type LongLived } from '../../../src/recipes/shared';
import { Clients } from '../../helpers/clients';
import { sharedServer } from '../../helpers/shared-server';

const server = sharedServer();
const clients = new Clients(() => server.connectString, { prefix: 'config-life' });

beforeEach(() => clients.renew());
afterEach(() => clients.closeAll());

const recipes: Array<[string, (client: ZkClient, path: string) => LongLived]> = [
  ['NodeCache', (client, path) => new NodeCache(client, path)],
  ['TreeCache', (client, path) => new TreeCache(client, path)],
  ['ConfigCache', (client, path) => new ConfigCache(client, path)],
  ['SharedValue', (client, path) => new SharedValue(client, path)],
  ['SharedCount', (client, path) => new SharedCount(client, path)],
];

describe.each(recipes)('%s', (_name, make) => {
  test('start twice rejects; close twice shares one promise; state goes latent → started → closed', async () => {
    const client = await clients.start();
    const recipe = make(client, '/life');
    expect(recipe.state).toBe('latent');
    await recipe.start();
    expect(recipe.state).toBe('started');
    await expect(recipe.start()).rejects.toBeInstanceOf(RecipeStateError);
    const first = recipe.close();
    expect(recipe.close()).toBe(first);
    await first;
    expect(recipe.state).toBe('closed');
    await expect(recipe.start()).rejects.toBeInstanceOf(RecipeStateError);
  });

  test('nothing is left after close (state listeners, sockets), also when closed while starting; bad paths refused', async () => {
    const client = await clients.start();
    const footprint = () => ({
      stateListeners: client.listenerCount('state'),
      sockets: process.getActiveResourcesInfo().filter((kind) => kind === 'TCPSocketWrap').length,
    });
    const before = footprint();
    const recipe = make(client, '/life');
    await recipe.start();
    expect(client.listenerCount('state')).toBeGreaterThan(before.stateListeners);
    await recipe.close();
    expect(footprint()).toEqual(before);
    expect(() => make(client, 'relative')).toThrow(TypeError);
    expect(() => make(client, '/trailing/')).toThrow(TypeError);

    const early = make(client, '/life');
    const starting = early.start();
    await early.close();
    await expect(starting).rejects.toBeInstanceOf(RecipeStateError);
    expect(footprint()).toEqual(before);
  });

  test('start() on a closed client rejects with CLIENT_CLOSED; await using closes', async () => {
    const client = await clients.start();
    {
      await using scoped = make(client, '/life');
      await scoped.start();
    }
    await client.close();
    const recipe = make(client, '/life');
    await expect(recipe.start()).rejects.toMatchObject({ code: 'CLIENT_CLOSED' });
    expect(recipe.state).toBe('closed');
  });
});
