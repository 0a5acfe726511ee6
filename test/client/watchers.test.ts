/** Auto-re-arming watchers: data, children, existence; across bursts, restarts and session expiry. */
import { CREATOR_ALL_ACL, type Stat, type Watcher, type WatcherChange } from '../../src/client';
import { TestingProxy } from '../../src/testing';
import { uniqueNamespace, waitForEvent, waitForState } from '../helpers';
import { sharedServer } from '../helpers/shared-server';
import { TRANSPORTS, ownNamespaceClients } from './support';

const server = sharedServer();
describe.each(TRANSPORTS)('%s transport', (transport) => {
  const clients = ownNamespaceClients(() => server.connectString, transport);

  afterEach(() => clients.closeAll());

  /** Resolves with the first change (from now on, or the current one) that `predicate` accepts. */
  async function changeWhere<T>(watcher: Watcher<T>, predicate: (change: WatcherChange<T>) => boolean): Promise<WatcherChange<T>> {
    const current = watcher.current;
    if (current && predicate(current)) return current;
    const [change] = await waitForEvent(watcher, 'change', predicate);
    return change as WatcherChange<T>;
  }

  const text = (change: WatcherChange<Buffer>): string | undefined => change.value?.toString();

  test('watchData across 200 rapid writes ends on the final value, with versions only going up', async () => {
    const namespace = uniqueNamespace('burst');
    const client = await clients.start({ namespace });
    const writer = await clients.start({ namespace });
    await writer.create('/value', '0');
    const watcher = client.watchData('/value');
    expect(text(await watcher.ready())).toBe('0');
    const versions: number[] = [];
    watcher.on('change', (change) => versions.push(change.stat!.version));

    await Promise.all(Array.from({ length: 200 }, (_, i) => writer.setData('/value', String(i + 1))));
    const last = await changeWhere(watcher, (change) => change.stat?.version === 200);
    expect(text(last)).toBe('200');
    expect(last.resync).toBe(false);
    expect(versions).toEqual([...versions].sort((a, b) => a - b));
    await watcher.close();
  });

  test('watchData follows a node that does not exist yet, is created, changed and deleted', async () => {
    const client = await clients.start();
    const watcher = client.watchData('/later');
    expect(await watcher.ready()).toEqual({ value: undefined, stat: undefined, resync: false });
    await client.create('/later', 'born');
    expect(text(await changeWhere(watcher, (c) => c.value !== undefined))).toBe('born');
    await client.setData('/later', 'grown');
    expect(text(await changeWhere(watcher, (c) => text(c) === 'grown'))).toBe('grown');
    await client.delete('/later');
    expect(await changeWhere(watcher, (c) => c.value === undefined)).toEqual({ value: undefined, stat: undefined, resync: false });
    await client.create('/later', 'again');
    expect(text(await changeWhere(watcher, (c) => c.value !== undefined))).toBe('again');
  });

  test('watchChildren reports sorted children as they come and go', async () => {
    const client = await clients.start();
    await client.create('/dir');
    const watcher = client.watchChildren('/dir');
    expect((await watcher.ready()).value).toEqual([]);
    await client.create('/dir/b');
    await client.create('/dir/a');
    expect((await changeWhere(watcher, (c) => c.value?.length === 2)).value).toEqual(['a', 'b']);
    await client.delete('/dir/b');
    const change = await changeWhere(watcher, (c) => c.value?.length === 1);
    expect(change.value).toEqual(['a']);
    expect(change.stat?.numChildren).toBe(1);
    await client.delete('/dir', { recursive: true });
    expect((await changeWhere(watcher, (c) => c.value === undefined)).stat).toBeUndefined();
  });

  test('watchExists reports creation and deletion', async () => {
    const client = await clients.start();
    const watcher = client.watchExists('/flag');
    expect((await watcher.ready()).value).toBeUndefined();
    await client.create('/flag', 'x', { mode: 'ephemeral' });
    const created = await changeWhere(watcher, (c) => c.value !== undefined);
    expect(created.value).toEqual(created.stat);
    expect((created.value as Stat).ephemeralOwner).not.toBe(0n);
    await client.delete('/flag');
    expect((await changeWhere(watcher, (c) => c.value === undefined)).value).toBeUndefined();
  });

  test('the async iterator yields the current value, then changes; close() ends it', async () => {
    const client = await clients.start();
    await client.create('/it', 'v0');
    const watcher = client.watchData('/it');
    await watcher.ready();
    const seen: string[] = [];
    const iterating = (async () => {
      for await (const change of watcher) {
        seen.push(text(change)!);
        if (seen.length === 3) await watcher.close();
      }
    })();
    await client.setData('/it', 'v1');
    await changeWhere(watcher, (c) => text(c) === 'v1');
    await client.setData('/it', 'v2');
    await iterating;
    expect(seen).toEqual(['v0', 'v1', 'v2']);
    expect(watcher.listenerCount('change')).toBe(0);
  });

  test('closing the client ends every watcher and its iterators; await using closes a watcher', async () => {
    const client = await clients.start();
    {
      await using scoped = client.watchExists('/scoped');
      await scoped.ready();
    }
    const watcher = client.watchChildren('/');
    await watcher.ready();
    const iterating = (async () => {
      const values: unknown[] = [];
      for await (const change of watcher) values.push(change.value);
      return values;
    })();
    const notReady = client.watchData('/never-read');
    await client.close();
    expect(await iterating).toEqual([[]]);
    // A watcher closed before its first read rejects ready().
    await notReady.ready().then(
      () => undefined,
      (error: unknown) => expect(String(error)).toContain('closed'),
    );
  });

  test('a read that is not retried (NO_AUTH) is reported as an error event', async () => {
    const namespace = uniqueNamespace('watch-auth');
    const owner = await clients.start({ namespace, auth: [{ scheme: 'digest', auth: 'owner:pw' }] });
    await owner.create('/private', 'secret', { acl: CREATOR_ALL_ACL });
    const stranger = await clients.start({ namespace });
    const watcher = stranger.watchData('/private');
    const [error] = await waitForEvent(watcher, 'error');
    expect(error).toMatchObject({ code: 'NO_AUTH', path: '/private' });
    await watcher.close();
  });

  test('watchers re-arm after a server restart and report the re-read as a resync', async () => {
    const namespace = uniqueNamespace('restart');
    const client = await clients.start({ namespace, sessionTimeoutMs: 15_000 });
    await client.create('/value', 'before');
    const data = client.watchData('/value');
    const children = client.watchChildren('/');
    await Promise.all([data.ready(), children.ready()]);

    const resynced = changeWhere(data, (c) => c.resync);
    const reconnected = waitForState(client, 'reconnected');
    await server.restart();
    expect(await reconnected).toMatchObject({ sessionChanged: false });
    expect(text(await resynced)).toBe('before');

    const writer = await clients.start({ namespace });
    await writer.setData('/value', 'after');
    await writer.create('/new');
    expect(text(await changeWhere(data, (c) => text(c) === 'after'))).toBe('after');
    expect((await changeWhere(children, (c) => c.value?.includes('new') === true)).value).toEqual(['new', 'value']);
  });

  test('watchers re-arm after session expiry and see what changed during the gap', async () => {
    const proxy = await TestingProxy.start(server.connectString);
    try {
      const namespace = uniqueNamespace('expiry');
      const client = await clients.start({ namespace, connectString: proxy.connectString, sessionTimeoutMs: 2000 });
      const writer = await clients.start({ namespace });
      await writer.create('/value', 'v1');
      await writer.create('/members');
      const data = client.watchData('/value');
      const members = client.watchChildren('/members');
      const flag = client.watchExists('/flag');
      await Promise.all([data.ready(), members.ready(), flag.ready()]);

      // Keep the client away while its session is expired, and change everything meanwhile.
      proxy.rejectConnections(true);
      await server.expireSession(client);
      expect(client.state).toBe('lost');
      await writer.setData('/value', 'v2');
      await writer.create('/members/m1');
      await writer.create('/flag');
      const reconnected = waitForState(client, 'reconnected');
      proxy.rejectConnections(false);
      expect(await reconnected).toMatchObject({ sessionChanged: true });

      const seen = await changeWhere(data, (c) => text(c) === 'v2');
      expect(seen.resync).toBe(true);
      expect((await changeWhere(members, (c) => c.value?.length === 1)).value).toEqual(['m1']);
      expect((await changeWhere(flag, (c) => c.value !== undefined)).resync).toBe(true);

      // And they keep watching on the new session.
      await writer.setData('/value', 'v3');
      expect(text(await changeWhere(data, (c) => text(c) === 'v3'))).toBe('v3');
      await writer.delete('/flag');
      await changeWhere(flag, (c) => c.value === undefined);
    } finally {
      await clients.closeAll();
      await proxy.close();
    }
  });
});
