/** TreeCache against a real server: events, depth and data options, reconnect and session expiry re-syncs. */
import { ZkError, type PersistentWatcher } from '../../../src/client';
import { TreeCache, type TreeCacheEvent } from '../../../src/recipes/config';
import { TestingProxy } from '../../../src/testing';
import { eventually, waitForState } from '../../helpers';
import { cacheContent, cacheTestBed, listTree, next, recordChanges, WATCH_SOURCES } from './support';

const { server, clients, track } = cacheTestBed('treecache');

/**
 * Every test on both sources: our transport has persistent watches (one recursive watch, multiRead walks); the
 * node-zookeeper-client transport has neither, so the cache falls back to one-shot watches and pipelined reads.
 */
describe.each(WATCH_SOURCES)('transport %s (%s watch)', (transport, watchKind) => {
  test('loads a tree (added per node, then initialized), follows changes; get, children, iteration, events()', async () => {
    const [client, writer] = [await clients.start({ transport }), await clients.start()];
    await writer.create('/app/db/primary', 'p', { createParents: true });
    await writer.setData('/app', 'root');
    const cache = track(new TreeCache(client, '/app'));
    const record = recordChanges(cache);
    const events: string[] = [];
    const iterating = (async () => {
      for await (const event of cache.events()) events.push(event.type === 'initialized' || event.type === 'resynced' ? event.type : `${event.type} ${event.node.path}`);
    })();
    const initialized = next(cache, 'initialized');
    const multiRead = jest.spyOn(client, 'multiRead');
    await cache.start();
    await initialized;
    expect(record.lines).toEqual(['added /app', 'added /app/db', 'added /app/db/primary']);
    expect(cache.get('/app/db/primary')?.data?.toString()).toBe('p');
    expect(cache.children('/app')).toEqual(['db']);
    expect([...cache].map((n) => n.path)).toEqual(['/app', '/app/db', '/app/db/primary']);
    expect(cache.size).toBe(3);
    expect(cache.watchKind).toBe(watchKind);
    // The load is batched with multiRead only under a persistent watch (multiRead leaves no watches).
    expect(multiRead.mock.calls.length > 0).toBe(watchKind === 'persistent');
    const listed: string[] = [];
    const watched: boolean[] = [];
    const getChildren = client.getChildren.bind(client);
    jest.spyOn(client, 'getChildren').mockImplementation((path, options) => {
      listed.push(path);
      watched.push(options?.watch !== undefined);
      return getChildren(path, options);
    });
    const getData = client.getData.bind(client);
    jest.spyOn(client, 'getData').mockImplementation((path, options) => {
      watched.push(options?.watch !== undefined);
      return getData(path, options);
    });

    await writer.create('/app/db/replica', 'r');
    await writer.setData('/app/db/primary', 'p2');
    await writer.delete('/app/db', { recursive: true });
    await writer.create('/app/cache', 'c');
    await eventually(() => cache.get('/app/cache') !== undefined && cache.get('/app/db') === undefined);
    expect(await listTree(writer, '/app')).toEqual(cacheContent(cache));
    // A recursive watch reports a child's creation and deletion on the child: no parent is listed again.
    const relisted = listed.filter((path) => path === '/app' || path === '/app/db');
    if (watchKind === 'persistent') expect(relisted).toEqual([]);
    else expect(relisted).toContain('/app');
    // Reads leave one-shot watches only on the one-shot path.
    expect(watched.length).toBeGreaterThan(0);
    expect(new Set(watched)).toEqual(new Set([watchKind === 'one-shot']));
    // Children are removed before their parent; nothing is reported twice.
    const removals = record.lines.filter((line) => line.startsWith('removed'));
    expect(removals.slice(-1)).toEqual(['removed /app/db']);
    expect(new Set(record.lines).size).toBe(record.lines.length);
    await cache.close();
    await iterating;
    expect(events.slice(0, 4)).toEqual(['added /app', 'added /app/db', 'added /app/db/primary', 'initialized']);
  });

  test('maxDepth bounds what is held; dataIncluded: false keeps stats only; a missing root is followed', async () => {
    const [client, writer] = [await clients.start({ transport }), await clients.start()];
    const shallow = track(new TreeCache(client, '/d', { maxDepth: 1, dataIncluded: false }));
    await shallow.start();
    expect(shallow.size).toBe(0);
    await writer.create('/d/a/deep', 'x', { createParents: true });
    await writer.setData('/d/a', 'data');
    await eventually(() => shallow.get('/d/a')?.stat.version === 1);
    expect(shallow.get('/d/a')!.data).toBeUndefined();
    expect(shallow.children('/d')).toEqual(['a']);
    expect(shallow.children('/d/a')).toBeUndefined();
    expect(shallow.get('/d/a/deep')).toBeUndefined();
    expect(() => new TreeCache(client, '/d', { maxDepth: -1 })).toThrow(RangeError);
    expect(() => new TreeCache(client, '/d', { maxDepth: 1.5 })).toThrow(/maxDepth must be an integer/);
    expect(() => new TreeCache(client, '/d', { maxInFlight: 0 })).toThrow(/maxInFlight must be between 1/);
    expect(() => new TreeCache(client, '/d', { dataIncluded: 1 as never })).toThrow(TypeError);
  });

  async function gapTest(kind: 'cut' | 'expiry'): Promise<void> {
    const proxy = await TestingProxy.start(server.connectString);
    try {
      const client = await clients.start({ transport, connectString: proxy.connectString, sessionTimeoutMs: kind === 'cut' ? 20_000 : 2000 });
      const writer = await clients.start();
      for (const name of ['a', 'b', 'c']) await writer.create(`/t/${name}`, name, { createParents: true });
      await writer.create('/t/b/child', 'bc');
      const cache = track(new TreeCache(client, '/t'));
      await cache.start();
      expect(cache.watchKind).toBe(watchKind);
      const record = recordChanges(cache);
      const seen: TreeCacheEvent[] = [];
      void (async () => {
        for await (const event of cache.events()) seen.push(event);
      })();

      proxy.rejectConnections(true);
      if (kind === 'cut') {
        const suspended = waitForState(client, 'suspended');
        proxy.cut();
        await suspended;
      } else {
        await server.expireSession(client);
      }
      await writer.setData('/t/a', 'a2');
      await writer.delete('/t/b', { recursive: true });
      await writer.create('/t/d', 'd');
      await writer.create('/t/c/new', 'cn');
      const resynced = next(cache, 'resynced');
      const reconnected = waitForState(client, 'reconnected');
      proxy.rejectConnections(false);
      expect(await reconnected).toMatchObject({ sessionChanged: kind === 'expiry' });
      await resynced;

      expect([...record.lines].sort()).toEqual(
        ['updated /t/a resync', 'removed /t/b/child resync', 'removed /t/b resync', 'added /t/d resync', 'added /t/c/new resync'].sort(),
      );
      expect(record.lines.indexOf('removed /t/b/child resync')).toBeLessThan(record.lines.indexOf('removed /t/b resync'));
      expect(seen[seen.length - 1]).toEqual({ type: 'resynced' });
      expect(cacheContent(cache)).toEqual(await listTree(writer, '/t'));

      // Watching goes on after the gap, unmarked.
      const after = next(cache, 'added');
      await writer.create('/t/e', 'e');
      expect(await after).toMatchObject({ node: { path: '/t/e' }, resync: false });
    } finally {
      await clients.closeAll();
      await proxy.close();
    }
  }

  test('a connection cut: exactly the differences, marked resync, then resynced', () => gapTest('cut'));
  test('a session expiry: exactly the differences, marked resync, then resynced', () => gapTest('expiry'));
});

test('a refused persistent registration falls back to one-shot watches; so does a watch that cannot be added again', async () => {
  const [client, writer] = await clients.startMany(2);
  await writer!.create('/f/a', 'a', { createParents: true });
  const refused = jest.spyOn(client!, 'addWatch').mockImplementationOnce((path) => {
    throw ZkError.of('NO_AUTH', 'addWatch', path);
  });
  const fallback = track(new TreeCache(client!, '/f'));
  await fallback.start();
  expect(refused).toHaveBeenCalledTimes(1);
  expect(fallback.watchKind).toBe('one-shot');
  const addedB = next(fallback, 'added', (c: { node: { path: string } }) => c.node.path === '/f/b');
  await writer!.create('/f/b', 'b');
  await addedB;

  // A persistent watch that fails later (not added again after a new session): reported, then one-shot.
  refused.mockRestore();
  let watcher: PersistentWatcher | undefined;
  const addWatch = client!.addWatch.bind(client!);
  jest.spyOn(client!, 'addWatch').mockImplementation((path, options) => (watcher = addWatch(path, options)));
  const cache = track(new TreeCache(client!, '/f'));
  await cache.start();
  expect(cache.watchKind).toBe('persistent');
  const reported = next<Error>(cache, 'error');
  const resynced = next(cache, 'resynced');
  watcher!.emit('error', ZkError.of('NO_AUTH', 'addWatch', '/f'));
  expect(await reported).toMatchObject({ code: 'NO_AUTH' });
  expect(cache.watchKind).toBe('one-shot');
  await resynced;
  const addedC = next(cache, 'added', (c: { node: { path: string } }) => c.node.path === '/f/c');
  await writer!.create('/f/c', 'c');
  await addedC;
  await writer!.delete('/f/a');
  await eventually(() => cache.get('/f/a') === undefined);
  expect(cacheContent(cache)).toEqual(await listTree(writer!, '/f'));
});

test('recursive watch: a read older than a deletion already seen is dropped, not applied', async () => {
  const [client, writer] = await clients.startMany(2);
  await writer!.create('/r', 'r');
  const cache = track(new TreeCache(client!, '/r'));
  await cache.start();
  expect(cache.watchKind).toBe('persistent');

  // Hold back the cache's read of /r/n (made on its creation event) until its deletion has been seen: the
  // order a reply and a notification arriving in one chunk produce, made certain.
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  let readDone!: () => void;
  const read = new Promise<void>((resolve) => (readDone = resolve));
  const getData = client!.getData.bind(client!);
  jest.spyOn(client!, 'getData').mockImplementation(async (path, options) => {
    const result = await getData(path, options);
    if (path === '/r/n') {
      readDone();
      await gate;
    }
    return result;
  });
  const record = recordChanges(cache);
  await writer!.create('/r/n', 'n');
  await read; // the read found the node
  await writer!.delete('/r/n');
  // Listen before writing: the cache may report a node before the writer's own reply comes back.
  const marker = next(cache, 'added', (c: { node: { path: string } }) => c.node.path === '/r/marker');
  await writer!.create('/r/marker', 'm');
  await marker; // so the deletion was seen
  release();
  const after = next(cache, 'added', (c: { node: { path: string } }) => c.node.path === '/r/after');
  await writer!.create('/r/after', 'a');
  await after;
  expect(cache.get('/r/n')).toBeUndefined();
  expect(record.lines).toEqual(['added /r/marker', 'added /r/after']);
  expect(cacheContent(cache)).toEqual(await listTree(writer!, '/r'));
});

test('multiRead walks: batches of at most 100 nodes; a batch multiRead cannot do is read node by node', async () => {
  const [client, writer] = await clients.startMany(2);
  const names = Array.from({ length: 150 }, (_, i) => `n${String(i).padStart(3, '0')}`);
  await writer!.create('/m', 'm');
  await Promise.all(names.map((name) => writer!.create(`/m/${name}`, name)));
  const multiRead = jest.spyOn(client!, 'multiRead');
  const cache = track(new TreeCache(client!, '/m'));
  await cache.start();
  expect(cache.size).toBe(151);
  // The root, then its 150 children in two batches (a getData and a getChildren each).
  expect(multiRead.mock.calls.map(([ops]) => ops.length)).toEqual([2, 200, 100]);

  multiRead.mockClear();
  multiRead.mockRejectedValueOnce(new RangeError('reply too large'));
  const other = track(new TreeCache(client!, '/m'));
  await other.start();
  expect(cacheContent(other)).toEqual(await listTree(writer!, '/m'));
  expect(multiRead).toHaveBeenCalledTimes(3); // the failed batch (the root) was read node by node; the rest batched
});
