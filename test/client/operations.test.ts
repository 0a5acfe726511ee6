/** Every operation of ZkClient against a real server: results, Stat fields, error codes, ACLs, namespaces. */
import { CREATOR_ALL_ACL, digestId, OPEN_ACL_UNSAFE, Perms, READ_ACL_UNSAFE, ZkError, type WatchEvent } from '../../src/client';
import { TestingProxy } from '../../src/testing';
import { uniqueNamespace, waitForState } from '../helpers';
import { sharedServer } from '../helpers/shared-server';
import { TRANSPORTS, ownNamespaceClients, rejectsWithCode } from './support';

const server = sharedServer();
describe.each(TRANSPORTS)('%s transport', (transport) => {
  const clients = ownNamespaceClients(() => server.connectString, transport);

  afterEach(() => clients.closeAll());

  describe('create, getData, setData, exists, delete', () => {
    test('round trip with typed Stat fields', async () => {
      const client = await clients.start();
      const before = Date.now();
      expect(await client.create('/node', 'hello')).toBe('/node');

      const { data, stat } = await client.getData('/node');
      expect(data).toEqual(Buffer.from('hello'));
      expect(typeof stat.czxid).toBe('bigint');
      expect(stat.czxid).toBeGreaterThan(0n);
      expect(stat.mzxid).toBe(stat.czxid);
      expect(stat.pzxid).toBe(stat.czxid);
      expect(stat.version).toBe(0);
      expect(stat.cversion).toBe(0);
      expect(stat.aversion).toBe(0);
      expect(stat.ephemeralOwner).toBe(0n);
      expect(stat.dataLength).toBe(5);
      expect(stat.numChildren).toBe(0);
      expect(stat.ctime).toBeGreaterThanOrEqual(before - 5000);
      expect(stat.ctime).toBeLessThanOrEqual(Date.now() + 5000);
      expect(stat.mtime).toBe(stat.ctime);

      const written = await client.setData('/node', Buffer.from([1, 2, 3]));
      expect(written.version).toBe(1);
      expect(written.mzxid).toBeGreaterThan(stat.mzxid);
      expect(written.czxid).toBe(stat.czxid);
      expect(written.dataLength).toBe(3);

      const again = await client.setData('/node', new Uint8Array([9]), { version: 1 });
      expect(again.version).toBe(2);
      expect((await client.getData('/node')).data).toEqual(Buffer.from([9]));

      const exists = await client.exists('/node');
      expect(exists).toEqual(again);
      await client.delete('/node', { version: 2 });
      expect(await client.exists('/node')).toBeNull();
    });

    test('empty and missing data, children counts and pzxid', async () => {
      const client = await clients.start();
      await client.create('/parent');
      expect((await client.getData('/parent')).data).toEqual(Buffer.alloc(0));
      const parentBefore = (await client.exists('/parent'))!;
      await client.create('/parent/a', '');
      await client.create('/parent/b', Buffer.alloc(0));
      const parent = (await client.exists('/parent'))!;
      expect(parent.numChildren).toBe(2);
      expect(parent.cversion).toBe(2);
      expect(parent.pzxid).toBeGreaterThan(parentBefore.pzxid);
      expect(parent.version).toBe(0);
    });

    test('ephemeral nodes are owned by the session', async () => {
      const client = await clients.start();
      const path = await client.create('/eph', 'x', { mode: 'ephemeral' });
      const stat = (await client.exists(path))!;
      expect(stat.ephemeralOwner.toString(16).padStart(16, '0')).toBe(client.sessionId);
      await rejectsWithCode(client.create('/eph/child'), 'NO_CHILDREN_FOR_EPHEMERALS');
    });

    test('sequential nodes get a 10-digit counter, relative to the namespace', async () => {
      const client = await clients.start();
      await client.create('/seq');
      const first = await client.create('/seq/item-', 'a', { mode: 'persistent-sequential' });
      const second = await client.create('/seq/item-', 'b', { mode: 'ephemeral-sequential' });
      expect(first).toMatch(/^\/seq\/item-\d{10}$/);
      expect(second).toMatch(/^\/seq\/item-\d{10}$/);
      expect(Number(second.slice(-10))).toBeGreaterThan(Number(first.slice(-10)));
    });

    test('error codes: NO_NODE, NODE_EXISTS, BAD_VERSION, NOT_EMPTY', async () => {
      const client = await clients.start();
      const missing = await rejectsWithCode(client.getData('/missing'), 'NO_NODE');
      expect(missing).toBeInstanceOf(ZkError);
      expect(missing.name).toBe('ZkError');
      expect(missing).toMatchObject({ operation: 'getData', path: '/missing', retriable: false });
      await rejectsWithCode(client.setData('/missing', 'x'), 'NO_NODE');
      await rejectsWithCode(client.delete('/missing'), 'NO_NODE');
      await rejectsWithCode(client.getChildren('/missing'), 'NO_NODE');
      await rejectsWithCode(client.getACL('/missing'), 'NO_NODE');
      await rejectsWithCode(client.setACL('/missing', OPEN_ACL_UNSAFE), 'NO_NODE');
      const noParent = await rejectsWithCode(client.create('/missing/child'), 'NO_NODE');
      expect(noParent).toMatchObject({ operation: 'create', path: '/missing/child' });

      await client.create('/node', 'v0');
      const exists = await rejectsWithCode(client.create('/node'), 'NODE_EXISTS');
      expect(exists.path).toBe('/node');
      await rejectsWithCode(client.setData('/node', 'x', { version: 7 }), 'BAD_VERSION');
      await rejectsWithCode(client.delete('/node', { version: 3 }), 'BAD_VERSION');
      expect((await client.getData('/node')).data.toString()).toBe('v0');

      await client.create('/node/child');
      const notEmpty = await rejectsWithCode(client.delete('/node'), 'NOT_EMPTY');
      expect(notEmpty).toMatchObject({ operation: 'delete', path: '/node' });
    });

    test('createParents makes the missing ancestors, also for protected sequential creates', async () => {
      const client = await clients.start();
      expect(await client.create('/a/b/c', 'leaf', { createParents: true })).toBe('/a/b/c');
      expect((await client.getData('/a/b')).data).toEqual(Buffer.alloc(0));
      expect((await client.getData('/a/b/c')).data.toString()).toBe('leaf');
      const locked = await client.create('/locks/x/lock-', 'id', {
        createParents: true,
        protected: true,
        mode: 'ephemeral-sequential',
      });
      expect(locked).toMatch(/^\/locks\/x\/_c_[0-9a-f-]{36}-lock-\d{10}$/);
      // Existing parents are fine.
      expect(await client.create('/a/b/d', undefined, { createParents: true })).toBe('/a/b/d');
    });

    test('recursive delete removes a whole subtree; a missing node is NO_NODE as without recursive', async () => {
      const client = await clients.start();
      for (const path of ['/tree/a/x', '/tree/a/y', '/tree/b', '/tree/c/d/e/f']) {
        await client.create(path, 'data', { createParents: true });
      }
      await client.create('/tree/a/eph', '', { mode: 'ephemeral' });
      await client.delete('/tree', { recursive: true });
      expect(await client.exists('/tree')).toBeNull();
      await rejectsWithCode(client.delete('/tree', { recursive: true }), 'NO_NODE');
      // A leaf works too.
      await client.create('/leaf');
      await client.delete('/leaf', { recursive: true });
      expect(await client.exists('/leaf')).toBeNull();
    });
  });

  describe('getChildren, sync, one-shot watches', () => {
    test('getChildren returns the names and the parent stat', async () => {
      const client = await clients.start();
      await client.create('/dir');
      for (const name of ['c', 'a', 'b']) await client.create(`/dir/${name}`);
      const { children, stat } = await client.getChildren('/dir');
      expect([...children].sort()).toEqual(['a', 'b', 'c']);
      expect(stat.numChildren).toBe(3);
      expect(stat.cversion).toBe(3);
      expect((await client.getChildren('/dir/a')).children).toEqual([]);
      // The namespace root lists the test's own nodes only.
      expect((await client.getChildren('/')).children).toEqual(['dir']);
    });

    test('sync resolves and a read after it sees the latest write', async () => {
      const namespace = uniqueNamespace('sync');
      const writer = await clients.start({ namespace });
      const reader = await clients.start({ namespace: undefined });
      await writer.create('/synced', 'v1');
      const full = `${namespace}/synced`;
      await reader.sync(full);
      expect((await reader.getData(full)).data.toString()).toBe('v1');
      await writer.sync('/');
      // ZooKeeper does not check that the path exists.
      await writer.sync('/missing');
    });

    test('one-shot watches report relative paths', async () => {
      const client = await clients.start();
      await client.create('/w', 'a');
      const events: WatchEvent[] = [];
      const dataFired = new Promise<void>((resolve) => {
        void client.getData('/w', {
          watch: (event) => {
            events.push(event);
            resolve();
          },
        });
      });
      await client.setData('/w', 'b');
      await dataFired;
      expect(events).toEqual([{ type: 'data-changed', path: '/w' }]);

      const created = new Promise<WatchEvent>((resolve) => void client.exists('/new', { watch: resolve }));
      await client.create('/new');
      expect(await created).toEqual({ type: 'created', path: '/new' });

      const children = new Promise<WatchEvent>((resolve) => void client.getChildren('/new', { watch: resolve }));
      await client.create('/new/kid');
      expect(await children).toEqual({ type: 'children-changed', path: '/new' });

      const deleted = new Promise<WatchEvent>((resolve) => void client.exists('/new/kid', { watch: resolve }));
      await client.delete('/new/kid');
      expect(await deleted).toEqual({ type: 'deleted', path: '/new/kid' });
    });
  });

  test('a watch callback that throws is logged and does not keep other watches from firing', async () => {
    const logged: unknown[] = [];
    const logger = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: (object: object) => logged.push(object) };
    const client = await clients.start({ logger });
    await client.create('/w', 'a');
    const thrown = new Error('callback bug');
    await client.getData('/w', {
      watch: () => {
        throw thrown;
      },
    });
    const other = new Promise<WatchEvent>((resolve) => void client.exists('/w', { watch: resolve }));
    await client.setData('/w', 'b');
    expect(await other).toEqual({ type: 'data-changed', path: '/w' });
    expect(logged).toEqual([expect.objectContaining({ err: thrown, path: '/w' })]);
    await client.exists('/w'); // the connection is fine
  });

  test('large replies that span many TCP reads, and many requests in flight at once', async () => {
    const client = await clients.start();
    await client.create('/many');
    const name = (i: number): string => `child-${String(i).padStart(4, '0')}-${'x'.repeat(80)}`;
    for (let batch = 0; batch < 4; batch += 1) {
      const transaction = client.transaction();
      for (let i = batch * 250; i < (batch + 1) * 250; i += 1) transaction.create(`/many/${name(i)}`);
      await transaction.commit();
    }
    const { children } = await client.getChildren('/many');
    expect(children).toHaveLength(1000);
    expect([...children].sort()).toEqual(Array.from({ length: 1000 }, (_, i) => name(i)));

    const big = Buffer.alloc(900 * 1024, 7);
    await client.create('/big', big);
    expect((await client.getData('/big')).data.equals(big)).toBe(true);

    const values = await Promise.all(
      Array.from({ length: 300 }, async (_, i) => {
        const path = await client.create(`/p-${i}`, String(i));
        return (await client.getData(path)).data.toString();
      }),
    );
    expect(values).toEqual(Array.from({ length: 300 }, (_, i) => String(i)));
  });

  describe('ACLs and authentication', () => {
    test('getACL and setACL, with the ACL version', async () => {
      const client = await clients.start();
      await client.create('/acl');
      const initial = await client.getACL('/acl');
      expect(initial.acl).toEqual(OPEN_ACL_UNSAFE);
      expect(initial.stat.aversion).toBe(0);
      const readAdmin = [{ perms: Perms.READ | Perms.ADMIN, scheme: 'world', id: 'anyone' }];
      const stat = await client.setACL('/acl', readAdmin, { version: 0 });
      expect(stat.aversion).toBe(1);
      expect((await client.getACL('/acl')).acl).toEqual(readAdmin);
      await rejectsWithCode(client.setData('/acl', 'x'), 'NO_AUTH');
      await rejectsWithCode(client.setACL('/acl', OPEN_ACL_UNSAFE, { version: 0 }), 'BAD_VERSION');
      await client.setACL('/acl', READ_ACL_UNSAFE, { version: 1 });
      await rejectsWithCode(client.setACL('/acl', OPEN_ACL_UNSAFE), 'NO_AUTH');
    });

    test('digest ACLs: NO_AUTH without credentials, access after addAuth', async () => {
      const namespace = uniqueNamespace('auth');
      const alice = await clients.start({ namespace, auth: [{ scheme: 'digest', auth: 'alice:secret' }] });
      await alice.create('/private', 'mine', { acl: CREATOR_ALL_ACL });
      const acl = await alice.getACL('/private');
      expect(acl.acl).toEqual([{ perms: Perms.ALL, scheme: 'digest', id: digestId('alice', 'secret') }]);

      const bob = await clients.start({ namespace });
      const denied = await rejectsWithCode(bob.getData('/private'), 'NO_AUTH');
      expect(denied).toMatchObject({ operation: 'getData', path: '/private' });
      await rejectsWithCode(bob.setData('/private', 'x'), 'NO_AUTH');
      await bob.addAuth({ scheme: 'digest', auth: 'alice:secret' });
      expect((await bob.getData('/private')).data.toString()).toBe('mine');

      // An explicit digest ACL for another user.
      await alice.create('/for-carol', 'c', { acl: [{ perms: Perms.READ, scheme: 'digest', id: digestId('carol', 'pw') }] });
      await rejectsWithCode(alice.getData('/for-carol'), 'NO_AUTH');
      const carol = await clients.start({ namespace, auth: [{ scheme: 'digest', auth: 'carol:pw' }] });
      expect((await carol.getData('/for-carol')).data.toString()).toBe('c');
      await rejectsWithCode(carol.setData('/for-carol', 'x'), 'NO_AUTH');
    });

    test('credentials the server refuses: addAuth and start() reject with AUTH_FAILED, and the client is closed', async () => {
      const client = await clients.start();
      const watcher = client.watchChildren('/');
      await watcher.ready();
      const iterating = (async () => {
        for await (const _ of watcher) continue;
      })();
      const error = await rejectsWithCode(client.addAuth({ scheme: 'no-such-scheme', auth: 'x' }), 'AUTH_FAILED');
      expect(error.operation).toBe('addAuth');
      expect(client.state).toBe('closed');
      await iterating; // the client closed its watchers too
      await rejectsWithCode(client.exists('/'), 'CLIENT_CLOSED');

      const auth = [{ scheme: 'no-such-scheme', auth: 'x' }];
      for (const namespace of [undefined, uniqueNamespace('refused')]) {
        const refused = clients.make({ auth, namespace });
        await rejectsWithCode(refused.start(), 'AUTH_FAILED');
        expect(refused.state).toBe('closed');
      }
      expect(auth).toHaveLength(1);
    });

    test('addAuth while disconnected resolves once reconnected and accepted; the caller\'s auth array is not modified', async () => {
      const namespace = uniqueNamespace('late-auth');
      const owner = await clients.start({ namespace, auth: [{ scheme: 'digest', auth: 'dora:pw' }] });
      await owner.create('/private', 'p', { acl: CREATOR_ALL_ACL });
      const auth = [{ scheme: 'digest', auth: 'someone:else' }];
      const proxy = await TestingProxy.start(server.connectString);
      try {
        const client = await clients.start({ namespace, auth, connectString: proxy.connectString });
        proxy.rejectConnections(true);
        const suspended = waitForState(client, 'suspended');
        proxy.cut();
        await suspended;
        const adding = client.addAuth({ scheme: 'digest', auth: 'dora:pw' });
        proxy.rejectConnections(false);
        await adding;
        expect(client.state).toBe('reconnected');
        expect(auth).toHaveLength(1);
        expect((await client.getData('/private')).data.toString()).toBe('p');
      } finally {
        await clients.closeAll();
        await proxy.close();
      }
    });

    test('start() rejects and closes the client when the namespace cannot be made', async () => {
      const root = await clients.start({ namespace: undefined });
      const locked = uniqueNamespace('locked');
      await root.create(locked, '', { acl: READ_ACL_UNSAFE });
      const client = clients.make({ namespace: `${locked}/app` });
      const error = await rejectsWithCode(client.start(), 'NO_AUTH');
      expect(error.operation).toBe('create');
      expect(client.state).toBe('closed');
    });

    test('INVALID_ACL: the creator ACL without credentials, a malformed digest id', async () => {
      const client = await clients.start();
      await rejectsWithCode(client.create('/nobody', '', { acl: CREATOR_ALL_ACL }), 'INVALID_ACL');
      await rejectsWithCode(client.create('/bad', '', { acl: [{ perms: Perms.ALL, scheme: 'digest', id: 'no-colon' }] }), 'INVALID_ACL');
      await rejectsWithCode(client.create('/ip', '', { acl: [{ perms: Perms.ALL, scheme: 'ip', id: 'not-an-ip' }] }), 'INVALID_ACL');
      expect(await client.exists('/nobody')).toBeNull();
    });
  });

  describe('namespaces', () => {
    test('the namespace is applied to every call and stripped from every result', async () => {
      const namespace = uniqueNamespace('ns');
      const client = await clients.start({ namespace: namespace.slice(1) }); // without the leading '/'
      const root = await clients.start({ namespace: undefined });
      expect(await root.exists(namespace)).not.toBeNull();

      expect(await client.create('/x', 'in-ns')).toBe('/x');
      expect((await root.getData(`${namespace}/x`)).data.toString()).toBe('in-ns');
      const seq = await client.create('/x/s-', '', { mode: 'persistent-sequential' });
      expect(seq).toMatch(/^\/x\/s-\d{10}$/);
      expect(await root.exists(namespace + seq)).not.toBeNull();
      expect((await client.getChildren('/')).children).toEqual(['x']);

      const results = await client.transaction().create('/y', 'ty').create('/y/q-', '', { mode: 'persistent-sequential' }).commit();
      expect(results[0]).toEqual({ type: 'create', path: '/y' });
      // eslint-disable-next-line @typescript-eslint/no-unsafe-assignment -- jest's asymmetric matchers are typed any
      expect(results[1]).toMatchObject({ type: 'create', path: expect.stringMatching(/^\/y\/q-\d{10}$/) });

      const error = await rejectsWithCode(client.getData('/nope'), 'NO_NODE');
      expect(error.message).not.toContain(namespace);
      expect(error.path).toBe('/nope');

      // The namespace root itself is '/'.
      expect((await client.exists('/'))!.numChildren).toBe(2);
      await client.setData('/', 'root-data');
      expect((await root.getData(namespace)).data.toString()).toBe('root-data');
    });

    test('a nested namespace is created on start', async () => {
      const namespace = `${uniqueNamespace('deep')}/a/b`;
      const client = await clients.start({ namespace });
      await client.create('/n');
      const root = await clients.start({ namespace: undefined });
      expect(await root.exists(`${namespace}/n`)).not.toBeNull();
    });
  });

  test('a chroot in the connect string and a namespace combine', async () => {
    const root = await clients.start({ namespace: undefined });
    const chroot = uniqueNamespace('chroot');
    await root.create(chroot);
    const client = await clients.start({ connectString: `${server.connectString}${chroot}`, namespace: '/ns' });
    expect(await client.create('/n', 'x')).toBe('/n');
    expect((await root.getData(`${chroot}/ns/n`)).data.toString()).toBe('x');
    expect(await client.create('/s-', '', { mode: 'ephemeral-sequential', protected: true })).toMatch(/^\/_c_[0-9a-f-]{36}-s-\d{10}$/);
    const [result] = await client.transaction().create('/t').commit();
    expect(result).toEqual({ type: 'create', path: '/t' });
    await client.sync('/n');
    let fired!: (event: WatchEvent) => void;
    const event = new Promise<WatchEvent>((resolve) => (fired = resolve));
    await client.getData('/n', { watch: (e) => fired(e) }); // armed before the other client writes
    await root.setData(`${chroot}/ns/n`, 'y');
    expect(await event).toEqual({ type: 'data-changed', path: '/n' });
    const watcher = client.watchChildren('/');
    expect((await watcher.ready()).value).toHaveLength(3);
    await client.delete('/', { recursive: true });
    expect(await root.exists(`${chroot}/ns`)).toBeNull();
  });

  describe('transactions', () => {
    test('atomic success with typed per-op results', async () => {
      const client = await clients.start();
      await client.create('/t', 'v0');
      await client.create('/gone');
      const results = await client
        .transaction()
        .create('/t/a', 'A')
        .create('/t/e-', 'E', { mode: 'ephemeral-sequential' })
        .setData('/t', 'v1', 0)
        .check('/t', 1)
        .delete('/gone', 0)
        .commit();
      expect(results).toHaveLength(5);
      expect(results[0]).toEqual({ type: 'create', path: '/t/a' });
      // eslint-disable-next-line @typescript-eslint/no-unsafe-assignment -- jest's asymmetric matchers are typed any
      expect(results[1]).toEqual({ type: 'create', path: expect.stringMatching(/^\/t\/e-\d{10}$/) });
      expect(results[2]).toMatchObject({ type: 'setData', stat: { version: 1, dataLength: 2 } });
      expect(typeof (results[2] as { stat: { mzxid: unknown } }).stat.mzxid).toBe('bigint');
      expect(results[3]).toEqual({ type: 'check' });
      expect(results[4]).toEqual({ type: 'delete' });
      expect((await client.getData('/t')).data.toString()).toBe('v1');
      expect(await client.exists('/gone')).toBeNull();
      const eph = (await client.exists((results[1] as { path: string }).path))!;
      expect(eph.ephemeralOwner).not.toBe(0n);
    });

    test('a failing op rejects with failedOp and nothing is applied', async () => {
      const client = await clients.start();
      await client.create('/t', 'v0');
      const transaction = client.transaction().create('/t/new').setData('/t', 'changed').delete('/t/missing').create('/t/other');
      expect(transaction.ops.map((op) => op.type)).toEqual(['create', 'setData', 'delete', 'create']);
      const error = await rejectsWithCode(transaction.commit(), 'NO_NODE');
      expect(error).toMatchObject({ operation: 'transaction', failedOp: 2, path: '/t/missing' });
      expect(await client.exists('/t/new')).toBeNull();
      expect(await client.exists('/t/other')).toBeNull();
      expect((await client.getData('/t')).data.toString()).toBe('v0');

      const exists = await rejectsWithCode(client.transaction().create('/t/x').create('/t').commit(), 'NODE_EXISTS');
      expect(exists).toMatchObject({ failedOp: 1, path: '/t' });
      expect(await client.exists('/t/x')).toBeNull();

      // A transaction commits once.
      const once = client.transaction().check('/t');
      await once.commit();
      await expect(once.commit()).rejects.toThrow(/already committed/);
      await expect(client.transaction().commit()).rejects.toThrow(RangeError);
    });

    test('version 0 is honoured, not turned into "any version"', async () => {
      const client = await clients.start();
      await client.create('/v', 'a');
      await client.setData('/v', 'b'); // version 1 now
      const check = await rejectsWithCode(client.transaction().check('/v', 0).commit(), 'BAD_VERSION');
      expect(check.failedOp).toBe(0);
      const set = await rejectsWithCode(client.transaction().setData('/v', 'c', 0).commit(), 'BAD_VERSION');
      expect(set.failedOp).toBe(0);
      const del = await rejectsWithCode(client.transaction().delete('/v', 0).commit(), 'BAD_VERSION');
      expect(del.failedOp).toBe(0);
      expect((await client.getData('/v')).data.toString()).toBe('b');

      await client.create('/zero', 'z');
      const results = await client.transaction().check('/zero', 0).setData('/zero', 'z1', 0).commit();
      expect(results[1]).toMatchObject({ type: 'setData', stat: { version: 1 } });
      await client.transaction().delete('/zero', 1).commit();
      expect(await client.exists('/zero')).toBeNull();
    });
  });
});
