/** NodeCache against a real server: a node's life, the iterator, waits, reconnects and session expiry, lifecycle. */
import { isZkError, type ZkClient } from '../../../src/client';
import { ConfigTimeoutError, NodeCache, type CachedNode, type NodeChange } from '../../../src/recipes/config';
import { RecipeStateError } from '../../../src/recipes/shared/errors';
import { TestingProxy } from '../../../src/testing';
import { scaled, waitForState } from '../../helpers';
import { cacheTestBed, next, WATCH_SOURCES } from './support';

const { server, clients, track } = cacheTestBed('nodecache');

function cache(client: ZkClient, path = '/node'): NodeCache {
  return track(new NodeCache(client, path));
}

const text = (change: NodeChange): string | undefined => change.current?.data?.toString();

/** The node's life and its gaps on both sources: a plain persistent watch (our transport), one-shot watches (the other). */
describe.each(WATCH_SOURCES)('transport %s (%s watch)', (transport, watchKind) => {
  test('follows a node that does not exist yet through creation, changes and deletion', async () => {
    const [client, writer] = [await clients.start({ transport }), await clients.start()];
    const node = cache(client);
    const seen: string[] = [];
    node.on('change', (c) => seen.push(`${c.previous?.data?.toString() ?? '-'}>${text(c) ?? '-'}`));
    await node.start();
    expect(node.current).toBeUndefined();
    expect(node.watchKind).toBe(watchKind);

    // Wait on the cache's state, not on the next event: the notification may come before the write's reply.
    const data = (n: CachedNode | undefined): string | undefined => n?.data?.toString();
    await writer.create('/node', 'a');
    await node.waitFor((n) => data(n) === 'a');
    const stat = await writer.setData('/node', 'b');
    expect((await node.waitFor((n) => data(n) === 'b'))!.stat.mzxid).toBe(stat.mzxid);
    await writer.delete('/node');
    await node.waitFor((n) => n === undefined);
    await writer.create('/node', 'c');
    await node.waitFor((n) => data(n) === 'c');
    expect(seen).toEqual(['->a', 'a>b', 'b>-', '->c']);
  });

  test('changes() iterates every change and ends on close; waitFor() resolves, times out and aborts', async () => {
    const [client, writer] = [await clients.start({ transport }), await clients.start()];
    await writer.create('/node', '0');
    const node = cache(client);
    await node.start();
    expect(node.current?.data?.toString()).toBe('0');
    const iterating = (async () => {
      const values: string[] = [];
      for await (const change of node.changes()) values.push(text(change)!);
      return values;
    })();
    await writer.setData('/node', '1');
    await node.waitFor((n) => n?.data?.toString() === '1', { timeoutMs: scaled(10_000) });
    await writer.setData('/node', '2');
    await node.waitFor((n) => n?.data?.toString() === '2');

    await expect(node.waitFor(() => false, { timeoutMs: 50 })).rejects.toBeInstanceOf(ConfigTimeoutError);
    const controller = new AbortController();
    const aborted = node.waitFor(() => false, { signal: controller.signal });
    controller.abort(new Error('stop waiting'));
    await expect(aborted).rejects.toThrow('stop waiting');
    const pending = node.waitFor(() => false);
    await node.close();
    await expect(pending).rejects.toBeInstanceOf(RecipeStateError);
    expect(await iterating).toEqual(['1', '2']);
  });

  test('a connection cut: changes made meanwhile are reported once, marked resync, then resynced', async () => {
    const proxy = await TestingProxy.start(server.connectString);
    try {
      const client = await clients.start({ transport, connectString: proxy.connectString, sessionTimeoutMs: 20_000 });
      const writer = await clients.start();
      await writer.create('/node', 'before');
      const node = cache(client);
      await node.start();
      const changes: NodeChange[] = [];
      node.on('change', (c) => changes.push(c));

      // Keep the client away until the writes are done, so that they happen in the gap.
      const suspended = waitForState(client, 'suspended');
      proxy.rejectConnections(true);
      proxy.cut();
      await suspended;
      await writer.setData('/node', 'during-1');
      await writer.setData('/node', 'during-2');
      const resynced = next(node, 'resynced');
      const reconnected = waitForState(client, 'reconnected');
      proxy.rejectConnections(false);
      expect(await reconnected).toMatchObject({ sessionChanged: false });
      await resynced;
      expect(changes.map((c) => [text(c), c.resync])).toEqual([['during-2', true]]);

      const after = next<NodeChange>(node, 'change', (c) => text(c) === 'after');
      await writer.setData('/node', 'after');
      expect((await after).resync).toBe(false);
    } finally {
      await clients.closeAll();
      await proxy.close();
    }
  });

  test('session expiry: the node deleted meanwhile is reported removed (resync), and watching goes on', async () => {
    const proxy = await TestingProxy.start(server.connectString);
    try {
      const client = await clients.start({ transport, connectString: proxy.connectString, sessionTimeoutMs: 2000 });
      const writer = await clients.start();
      await writer.create('/node', 'v1');
      const node = cache(client);
      await node.start();
      const changes: NodeChange[] = [];
      node.on('change', (c) => changes.push(c));

      proxy.rejectConnections(true);
      await server.expireSession(client);
      await writer.delete('/node');
      const resynced = next(node, 'resynced');
      proxy.rejectConnections(false);
      expect(await waitForState(client, 'reconnected')).toMatchObject({ sessionChanged: true });
      await resynced;
      expect(changes).toEqual([{ current: undefined, previous: expect.objectContaining({ path: '/node' }) as unknown, resync: true }]);

      const v2 = next<NodeChange>(node, 'change', (c) => text(c) === 'v2');
      await writer.create('/node', 'v2');
      expect((await v2).resync).toBe(false);
    } finally {
      await clients.closeAll();
      await proxy.close();
    }
  });
});

test('bad input fails fast with TypeError naming the problem; no I/O in the constructor', async () => {
  const client = clients.make();
  expect(() => new NodeCache(undefined as never, '/x')).toThrow(TypeError);
  expect(() => new NodeCache(client, 'relative')).toThrow(/absolute/);
  expect(() => new NodeCache(client, '/x', { dataIncluded: 'yes' as never })).toThrow(/dataIncluded must be a boolean/);
  expect(() => new NodeCache(client, '/x', 5 as never)).toThrow(/options must be an object/);
  const unstarted = cache(client, '/x');
  expect(client.state).toBe('latent');
  await expect(unstarted.waitFor(() => true)).rejects.toBeInstanceOf(RecipeStateError);
  await expect(unstarted.waitFor(() => true, { timeoutMs: -1 })).rejects.toThrow(RangeError);
});

test('a read refused (NO_AUTH) rejects start() and closes the cache', async () => {
  const owner = await clients.start({ auth: [{ scheme: 'digest', auth: 'owner:pw' }] });
  await owner.create('/private', 'secret', { acl: [{ perms: 31, scheme: 'auth', id: '' }] });
  const stranger = await clients.start();
  const node = cache(stranger, '/private');
  const error = await node.start().then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(isZkError(error, 'NO_AUTH')).toBe(true);
  expect(node.state).toBe('closed');
});
