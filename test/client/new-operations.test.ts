/**
 * The operations of ZooKeeper 3.5–3.9 that only our transport speaks, against a real server: create2's Stat,
 * containers, TTL nodes, countChildren, getEphemerals, multiRead, whoAmI, persistent and recursive watches
 * (across a reconnect and a new session) and removeWatches; and UNIMPLEMENTED from the node-zookeeper-client
 * transport, which cannot do them.
 */
import * as diagnostics from 'node:diagnostics_channel';
import {
  isZkError,
  type PersistentWatchEvent,
  type PersistentWatcher,
  type PersistentWatchMode,
  type ZkClient,
  type ZkClientOptions,
} from '../../src/client';
import { TestingProxy } from '../../src/testing';
import { eventually, scaled, uniqueNamespace, waitForEvent, waitForState } from '../helpers';
import { sharedServer } from '../helpers/shared-server';
import { ownNamespaceClients, rejectsWithCode } from './support';

/** Containers and TTL nodes are reaped every 100 ms here (ZooKeeper's default is a minute). */
const server = sharedServer({ extendedTypes: true, containerCheckIntervalMs: 100 });
const clients = ownNamespaceClients(() => server.connectString, 'zk-recipes');

afterEach(() => clients.closeAll());

/** Resolves with the next event of `watcher` that matches. */
async function eventWhere(watcher: PersistentWatcher, match: (event: PersistentWatchEvent) => boolean): Promise<PersistentWatchEvent> {
  const [event] = await waitForEvent(watcher, 'event', match);
  return event as PersistentWatchEvent;
}

describe('create2, containers, TTL', () => {
  test('createWithStat returns the Stat of the create itself, also for protected sequential creates', async () => {
    const client = await clients.start();
    const created = await client.createWithStat('/node', 'abc');
    expect(created.path).toBe('/node');
    expect(created.stat).toEqual(await client.exists('/node'));
    expect(created.stat.dataLength).toBe(3);

    await client.create('/locks');
    const lock = await client.createWithStat('/locks/lock-', '', { mode: 'ephemeral-sequential', protected: true });
    expect(lock.path).toMatch(/^\/locks\/_c_[0-9a-f-]{36}-lock-\d{10}$/);
    expect(lock.stat.czxid).toBeGreaterThan(created.stat.czxid);
    expect(lock.stat.ephemeralOwner).not.toBe(0n);
  });

  test('a container goes once its last child is gone, not before it had one', async () => {
    const client = await clients.start();
    await client.createContainer('/box');
    await client.create('/box/item');
    await client.delete('/box/item');
    await eventually(async () => (await client.exists('/box')) === null, scaled(10_000));

    await client.createContainer('/never-used');
    const stillThere = await client.createContainer('/witness');
    await client.create('/witness/x');
    await client.delete('/witness/x');
    await eventually(async () => (await client.exists(stillThere)) === null, scaled(10_000));
    expect(await client.exists('/never-used')).not.toBeNull();
  });

  test('TTL nodes: gone once unmodified for their TTL; sequential ones get a counter', async () => {
    const client = await clients.start();
    await client.create('/short', 'x', { mode: 'persistent-with-ttl', ttlMs: 300 });
    const sequential = await client.create('/seq-', 'x', { mode: 'persistent-sequential-with-ttl', ttlMs: 300 });
    expect(sequential).toMatch(/^\/seq-\d{10}$/);
    const long = await client.createWithStat('/long', 'x', { mode: 'persistent-with-ttl', ttlMs: 3_600_000 });
    // The server keeps the TTL in the node's ephemeral owner, but shows clients 0 there.
    expect(long.stat.ephemeralOwner).toBe(0n);
    await eventually(async () => (await client.exists('/short')) === null && (await client.exists(sequential)) === null, scaled(10_000));
    expect(await client.exists('/long')).not.toBeNull();
  });

  test('containers and TTL nodes in a transaction', async () => {
    const client = await clients.start();
    const results = await client
      .transaction()
      .create('/tx-box', '', { mode: 'container' })
      .create('/tx-box/child')
      .create('/tx-ttl', '', { mode: 'persistent-with-ttl', ttlMs: 3_600_000 })
      .commit();
    expect(results).toEqual([
      { type: 'create', path: '/tx-box' },
      { type: 'create', path: '/tx-box/child' },
      { type: 'create', path: '/tx-ttl' },
    ]);
  });

  describe('on a server without extendedTypesEnabled', () => {
    const plain = sharedServer();
    test('a TTL create rejects with UNIMPLEMENTED, saying what the server needs', async () => {
      const client = await clients.start({ connectString: plain.connectString });
      const error = await rejectsWithCode(client.create('/ttl', 'x', { mode: 'persistent-with-ttl', ttlMs: 1000 }), 'UNIMPLEMENTED');
      expect(error.message).toMatch(/extendedTypesEnabled/);
      await client.createContainer('/containers-still-work');
    });
  });
});

describe('reads of 3.6+', () => {
  test('countChildren counts every descendant', async () => {
    const client = await clients.start();
    await client.create('/tree/a/b', '', { createParents: true });
    await client.create('/tree/c');
    expect(await client.countChildren('/tree')).toBe(3);
    await rejectsWithCode(client.countChildren('/missing'), 'NO_NODE');
  });

  test("getEphemerals lists this session's ephemerals under a prefix, relative to the namespace", async () => {
    const namespace = uniqueNamespace('ephemerals');
    const client = await clients.start({ namespace });
    const other = await clients.start({ namespace });
    await client.create('/members');
    await client.create('/members/me', '', { mode: 'ephemeral' });
    await client.create('/mine', '', { mode: 'ephemeral' });
    await other.create('/members/other', '', { mode: 'ephemeral' });
    expect((await client.getEphemerals()).sort()).toEqual(['/members/me', '/mine']);
    expect(await client.getEphemerals('/members')).toEqual(['/members/me']);
    expect(await other.getEphemerals()).toEqual(['/members/other']);
  });

  test('multiRead: data and children in one round trip; a failed read fails on its own', async () => {
    const client = await clients.start();
    await client.create('/r', 'root');
    await client.create('/r/k1', 'v1');
    const results = await client.multiRead([
      { type: 'getData', path: '/r/k1' },
      { type: 'getChildren', path: '/r' },
      { type: 'getData', path: '/r/missing' },
    ]);
    expect(results[0]).toMatchObject({ type: 'getData', data: Buffer.from('v1'), stat: { version: 0 } });
    expect(results[1]).toEqual({ type: 'getChildren', children: ['k1'] });
    expect(results[2]).toMatchObject({ type: 'error' });
    const failed = results[2] as { error: unknown };
    expect(isZkError(failed.error, 'NO_NODE')).toBe(true);
    expect(failed.error).toMatchObject({ path: '/r/missing', operation: 'multiRead' });
  });

  test('getMany: the data of several nodes in one round trip, null for a missing one; another failure rejects', async () => {
    const client = await clients.start();
    await client.create('/g', 'root');
    await client.create('/g/a', 'A');
    await client.create('/g/secret', 's', { acl: [{ perms: 16, scheme: 'world', id: 'anyone' }] }); // ADMIN only: no READ
    const sent: string[] = [];
    const onOp = (message: unknown): void => void sent.push((message as { operation: string }).operation);
    diagnostics.subscribe('zk-recipes:op', onOp);
    const [a, missing, root] = await client.getMany(['/g/a', '/g/missing', '/g']).finally(() => diagnostics.unsubscribe('zk-recipes:op', onOp));
    expect(sent).toEqual(['multiRead']); // one request for the three
    expect(a).toMatchObject({ data: Buffer.from('A'), stat: { version: 0 } });
    expect(missing).toBeNull();
    expect(root?.data).toEqual(Buffer.from('root'));
    await expect(client.getMany(['/g/a', '/g/secret'])).rejects.toMatchObject({ code: 'NO_AUTH', path: '/g/secret' });
    await expect(client.getMany([])).rejects.toThrow(TypeError);
    await expect(client.getMany(['/g/a', 'relative'])).rejects.toThrow(/path/);
  });

  test('whoAmI lists the identities of the session', async () => {
    const client = await clients.start({ auth: [{ scheme: 'digest', auth: 'alice:secret' }] });
    const identities = await client.whoAmI();
    expect(identities).toContainEqual({ scheme: 'ip', user: '127.0.0.1' });
    expect(identities.find((identity) => identity.scheme === 'digest')?.user).toMatch(/^alice/);
  });
});

describe('persistent watches', () => {
  /**
   * A watching client and a writer on a fresh namespace, `node` created by the writer, and a watch on it
   * once the server has it. `clientOptions` go to the watching client (e.g. a proxy's connect string).
   */
  async function watching(
    node: string,
    mode: PersistentWatchMode,
    clientOptions: Partial<ZkClientOptions> = {},
  ): Promise<{ client: ZkClient; writer: ZkClient; watcher: PersistentWatcher }> {
    const namespace = uniqueNamespace('watch');
    const client = await clients.start({ namespace, ...clientOptions });
    const writer = await clients.start({ namespace });
    await writer.create(node, 'v0');
    const watcher = client.addWatch(node, { mode });
    await watcher.ready();
    return { client, writer, watcher };
  }

  test('persistent: data, children and deletion of the node, for as long as it is open', async () => {
    const { writer, watcher } = await watching('/p', 'persistent');
    const seen: PersistentWatchEvent[] = [];
    watcher.on('event', (event) => seen.push(event));
    const deleted = eventWhere(watcher, (event) => event.type === 'deleted');
    for (let i = 1; i <= 3; i += 1) await writer.setData('/p', `v${i}`);
    await writer.create('/p/child');
    await writer.delete('/p/child');
    await writer.delete('/p');
    await deleted;
    expect(seen).toEqual([
      { type: 'data-changed', path: '/p' },
      { type: 'data-changed', path: '/p' },
      { type: 'data-changed', path: '/p' },
      { type: 'children-changed', path: '/p' },
      { type: 'children-changed', path: '/p' },
      { type: 'deleted', path: '/p' },
    ]);
    await watcher.close();
  });

  test('persistent-recursive: every node of the subtree, no children events; the async iterator', async () => {
    const { writer, watcher } = await watching('/tree', 'persistent-recursive');
    const collected: PersistentWatchEvent[] = [];
    const iterating = (async () => {
      for await (const event of watcher) {
        collected.push(event);
        if (event.type === 'deleted' && event.path === '/tree/a') return;
      }
    })();
    await writer.create('/tree/a');
    await writer.create('/tree/a/b', 'x');
    await writer.setData('/tree/a/b', 'y');
    await writer.create('/elsewhere');
    await writer.delete('/tree/a/b');
    await writer.delete('/tree/a');
    await iterating;
    expect(collected).toEqual([
      { type: 'created', path: '/tree/a' },
      { type: 'created', path: '/tree/a/b' },
      { type: 'data-changed', path: '/tree/a/b' },
      { type: 'deleted', path: '/tree/a/b' },
      { type: 'deleted', path: '/tree/a' },
    ]);
    await watcher.close();
  });

  test('removeWatches: no events after; NO_WATCHER when there is none; close() removes a persistent watch', async () => {
    const namespace = uniqueNamespace('remove');
    const client = await clients.start({ namespace });
    const writer = await clients.start({ namespace });
    await writer.create('/n', 'x');
    let fired = 0;
    await client.getData('/n', { watch: () => (fired += 1) });
    await client.removeWatches('/n', { kind: 'data' });
    await rejectsWithCode(client.removeWatches('/n', { kind: 'data' }), 'NO_WATCHER');

    const watcher = client.addWatch('/n');
    await watcher.ready();
    await watcher.close();
    await rejectsWithCode(client.removeWatches('/n', { kind: 'persistent' }), 'NO_WATCHER');

    // A marker watch left after the removals: it is the only thing that fires.
    let markerFired!: () => void;
    const marker = new Promise<void>((resolve) => (markerFired = resolve));
    await client.exists('/n', { watch: () => markerFired() });
    await writer.setData('/n', 'y');
    await marker;
    expect(fired).toBe(0);
  });

  test('a recursive watch across a reconnect: re-registered by SetWatches, a resync marks the gap', async () => {
    const proxy = await TestingProxy.start(server.connectString);
    try {
      const { client, writer, watcher } = await watching('/tree', 'persistent-recursive', {
        connectString: proxy.connectString,
        sessionTimeoutMs: 10_000,
      });
      const resync = eventWhere(watcher, (event) => event.type === 'resync');
      const reconnected = waitForState(client, 'reconnected');
      proxy.cut();
      expect(await reconnected).toMatchObject({ sessionChanged: false });
      expect(await resync).toEqual({ type: 'resync', path: '/tree', sessionChanged: false });
      const created = eventWhere(watcher, (event) => event.type === 'created');
      await writer.create('/tree/after');
      expect(await created).toEqual({ type: 'created', path: '/tree/after' });
    } finally {
      await clients.closeAll();
      await proxy.close();
    }
  });

  test('a recursive watch across a new session: added again, then a resync; nothing after it is missed', async () => {
    const proxy = await TestingProxy.start(server.connectString);
    try {
      const { client, writer, watcher } = await watching('/tree', 'persistent-recursive', {
        connectString: proxy.connectString,
        sessionTimeoutMs: 2000,
      });
      const resync = eventWhere(watcher, (event) => event.type === 'resync');
      proxy.rejectConnections(true);
      await server.expireSession(client);
      await writer.create('/tree/during-the-gap');
      const reconnected = waitForState(client, 'reconnected');
      proxy.rejectConnections(false);
      expect(await reconnected).toMatchObject({ sessionChanged: true });
      expect(await resync).toEqual({ type: 'resync', path: '/tree', sessionChanged: true });
      // The re-read a resync calls for sees the gap's change; later changes arrive as events.
      expect((await client.getChildren('/tree')).children).toEqual(['during-the-gap']);
      const created = eventWhere(watcher, (event) => event.type === 'created');
      await writer.create('/tree/after');
      expect(await created).toEqual({ type: 'created', path: '/tree/after' });
    } finally {
      await clients.closeAll();
      await proxy.close();
    }
  });
});

describe('SetWatches after a reconnect', () => {
  test('watches of more than jute.maxbuffer of paths are re-registered in packets the server takes', async () => {
    const proxy = await TestingProxy.start(server.connectString);
    try {
      const namespace = uniqueNamespace('setwatches');
      const client = await clients.start({ namespace, connectString: proxy.connectString, sessionTimeoutMs: 10_000 });
      const writer = await clients.start({ namespace });
      // 9000 existence watches on paths of 120 bytes (plus the namespace): over 1 MiB, more than the server
      // reads in one packet; in packets of 128 KiB of paths it takes them all.
      const paths = Array.from({ length: 9000 }, (_, i) => `/${String(i).padStart(4, '0')}-${'w'.repeat(114)}`);
      const fired = new Set<string>();
      let allFired!: () => void;
      const done = new Promise<void>((resolve) => (allFired = resolve));
      const watched = [paths[0]!, paths[4500]!, paths[8999]!];
      await Promise.all(
        paths.map((path) =>
          client.exists(path, {
            watch: (event) => {
              fired.add(event.path);
              if (watched.every((w) => fired.has(w))) allFired();
            },
          }),
        ),
      );
      const reconnected = waitForState(client, 'reconnected');
      proxy.cut();
      expect(await reconnected).toMatchObject({ sessionChanged: false });
      await Promise.all(watched.map((path) => writer.create(path)));
      await done;
    } finally {
      await clients.closeAll();
      await proxy.close();
    }
  });
});

describe('the node-zookeeper-client transport', () => {
  const wireClients = ownNamespaceClients(() => server.connectString, 'node-zookeeper-client');
  afterEach(() => wireClients.closeAll());

  test('rejects what it cannot do with UNIMPLEMENTED', async () => {
    const client: ZkClient = await wireClients.start();
    await client.create('/n');
    await rejectsWithCode(client.createWithStat('/m'), 'UNIMPLEMENTED');
    await rejectsWithCode(client.createContainer('/c'), 'UNIMPLEMENTED');
    await rejectsWithCode(client.create('/t', '', { mode: 'persistent-with-ttl', ttlMs: 1000 }), 'UNIMPLEMENTED');
    await rejectsWithCode(client.countChildren('/n'), 'UNIMPLEMENTED');
    await rejectsWithCode(client.getEphemerals('/'), 'UNIMPLEMENTED');
    await rejectsWithCode(client.multiRead([{ type: 'getData', path: '/n' }]), 'UNIMPLEMENTED');
    await rejectsWithCode(client.getMany(['/n']), 'UNIMPLEMENTED');
    await rejectsWithCode(client.whoAmI(), 'UNIMPLEMENTED');
    await rejectsWithCode(client.removeWatches('/n'), 'UNIMPLEMENTED');
    await rejectsWithCode(client.addWatch('/n').ready(), 'UNIMPLEMENTED');
    expect(await client.exists('/n')).not.toBeNull(); // and the session carries on
  });
});
