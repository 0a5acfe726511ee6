/**
 * The lifecycle contract every long-lived recipe keeps (the Recipe base): start twice, close twice, close
 * while starting, a start that fails on the server, a start on a closed client, and nothing left behind
 * after close. A new recipe family joins with one line in `recipes` below.
 */
import { isDeepStrictEqual } from 'node:util';
import { isZkError, READ_ACL_UNSAFE, type ZkClient } from '../../../src/client';
import { LeaderLatch, LeaderSelector } from '../../../src/recipes/leader';
import { GroupMember, PersistentNode } from '../../../src/recipes/membership';
import { RecipeStateError, type LongLived } from '../../../src/recipes/shared';
import { eventually, scaled } from '../../helpers';
import { Clients } from '../../helpers/clients';
import { sharedServer } from '../../helpers/shared-server';

/** A recipe made at (or under) `path`, not started. */
type Make = (client: ZkClient, path: string) => LongLived;

const leadUntilAborted = (signal: AbortSignal): Promise<void> => new Promise((resolve) => signal.addEventListener('abort', () => resolve()));

const recipes: Array<[name: string, make: Make]> = [
  ['LeaderLatch', (client, path) => new LeaderLatch(client, path, { id: 'a' })],
  ['LeaderSelector', (client, path) => new LeaderSelector(client, path, { id: 'a', takeLeadership: leadUntilAborted })],
  ['PersistentNode', (client, path) => new PersistentNode(client, `${path}/node`, { data: 'x' })],
  ['GroupMember', (client, path) => new GroupMember(client, path, { id: 'a', data: 'x' })],
];

const server = sharedServer();
const clients = new Clients(() => server.connectString, { prefix: 'lifecycle' });
const made: LongLived[] = [];

beforeEach(() => clients.renew());
afterEach(async () => {
  await Promise.all(made.splice(0).map((recipe) => recipe.close()));
  await clients.closeAll();
});

/** Settles within `ms` or fails the test: a start that never settles is the defect this suite guards. */
function within<T>(promise: Promise<T>, ms = scaled(10_000)): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`did not settle within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** What a recipe could leave behind on its client and in the process. */
function footprint(client: ZkClient) {
  return {
    stateListeners: client.listenerCount('state'),
    // The client's re-arming watchers (private: no public count exists, and none should be needed).
    watchers: (client as unknown as { watchers: Set<unknown> }).watchers.size,
    sockets: process.getActiveResourcesInfo().filter((kind) => kind === 'TCPSocketWrap').length,
    timers: process.getActiveResourcesInfo().filter((kind) => kind === 'Timeout').length,
  };
}

describe.each(recipes)('%s', (_name, make) => {
  function recipe(client: ZkClient, path = '/r'): LongLived {
    const r = make(client, path);
    made.push(r);
    return r;
  }

  test('start() twice: the second rejects with RecipeStateError; start() after close() too', async () => {
    const client = await clients.start();
    const r = recipe(client);
    const first = r.start();
    await expect(r.start()).rejects.toBeInstanceOf(RecipeStateError);
    await within(first);
    expect(r.state).toBe('started');
    await r.close();
    await expect(r.start()).rejects.toBeInstanceOf(RecipeStateError);
  });

  test('close() twice shares one promise; close() before start() is fine', async () => {
    const client = await clients.start();
    const never = recipe(client, '/never');
    await never.close();
    expect(never.state).toBe('closed');
    const r = recipe(client);
    await within(r.start());
    const closing = r.close();
    expect(r.close()).toBe(closing);
    await closing;
    expect(r.state).toBe('closed');
  });

  test('client.shutdown() closes it (and the client), leaving no node behind', async () => {
    const [client, observer] = (await clients.startMany(2)) as [ZkClient, ZkClient];
    const r = recipe(client);
    await within(r.start());
    await within(client.shutdown());
    expect(r.state).toBe('closed');
    expect(client.state).toBe('closed');
    const { children } = await observer.getChildren('/r').catch(() => ({ children: [] as string[] }));
    expect(children).toEqual([]);
  });

  test('close() while starting: start() rejects with RecipeStateError, close() resolves, nothing is left', async () => {
    const client = await clients.start();
    const r = recipe(client);
    const starting = r.start();
    const closing = r.close();
    await expect(within(starting)).rejects.toBeInstanceOf(RecipeStateError);
    await within(closing);
    const { children } = await client.getChildren('/r').catch(() => ({ children: [] as string[] }));
    expect(children).toEqual([]);
  });

  test.each([
    ['an ephemeral parent', { mode: 'ephemeral' as const }, 'NO_CHILDREN_FOR_EPHEMERALS' as const],
    ['a read-only ACL', { acl: READ_ACL_UNSAFE }, 'NO_AUTH' as const],
  ])('start() rejects (and the recipe closes) when the server refuses its node: %s', async (_what, parent, code) => {
    const client = await clients.start();
    await client.create('/refusing', '', parent);
    const r = recipe(client, '/refusing');
    const error = await within(r.start()).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isZkError(error, code)).toBe(true);
    expect(r.state).toBe('closed');
  });

  test('start() on a closed client rejects at once with CLIENT_CLOSED', async () => {
    const client = await clients.start();
    await client.close();
    const error = await within(recipe(client).start(), scaled(1000)).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isZkError(error, 'CLIENT_CLOSED')).toBe(true);
  });

  test('a bad path is refused by the constructor (TypeError), before anything is sent', async () => {
    const client = clients.make();
    expect(() => make(client, 'relative')).toThrow(TypeError);
    expect(() => make(client, '/trailing/')).toThrow(TypeError);
    expect(client.state).toBe('latent');
  });

  test('nothing is left behind after close(): state listeners, watchers, sockets, timers, nodes', async () => {
    const client = await clients.start();
    const before = footprint(client);
    const r = recipe(client);
    await within(r.start());
    await r.close();
    // The client's own timers (its one deadline timer, the ping) come and go with its requests: wait for
    // them to settle back, then compare.
    await eventually(() => isDeepStrictEqual(footprint(client), before), scaled(5000)).catch(() => undefined);
    expect(footprint(client)).toEqual(before);
    const { children } = await client.getChildren('/r');
    expect(children).toEqual([]);
  });
});
