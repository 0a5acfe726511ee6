/**
 * Bad input is refused with a TypeError or RangeError before anything is sent: the client talks through a
 * proxy that counts requests, and the count must not move.
 */
import { OPEN_ACL_UNSAFE, ZkClient, type Acl, type NodeData } from '../../src/client';
import { validatePath } from '../../src/client/paths';
import { MAX_DATA_BYTES, MAX_REQUEST_BYTES } from '../../src/client/validate';
import { TestingProxy, TestingServer } from '../../src/testing';
import { uniqueNamespace } from '../helpers';
import { TRANSPORTS, ownNamespaceClients } from './support';

let server: TestingServer;
let proxy: TestingProxy;
let client: ZkClient;
describe.each(TRANSPORTS)('%s transport', (transport) => {
  const clients = ownNamespaceClients(() => server.connectString, transport);
  const namespace = uniqueNamespace('bad-input');

  beforeAll(async () => {
    server = await TestingServer.start();
    proxy = await TestingProxy.start(server.connectString);
    client = await clients.start({ connectString: proxy.connectString, namespace });
    await client.create('/existing', 'x');
  });
  afterAll(async () => {
    await clients.closeAll();
    await proxy?.close();
    await server?.stop();
  });

  /** Expects `call` to throw or reject with `type`, without a single request reaching the server. */
  async function refused(type: typeof TypeError | typeof RangeError, call: () => unknown): Promise<void> {
    const before = proxy.requestCount;
    let outcome: unknown;
    try {
      outcome = await call();
    } catch (error) {
      outcome = error;
    }
    expect(outcome).toBeInstanceOf(type);
    expect(proxy.requestCount).toBe(before);
  }

  const badPaths: Array<[string, unknown]> = [
    ['relative', 'node'],
    ['relative with slash', 'a/b'],
    ['empty', ''],
    ['trailing slash', '/a/'],
    ['empty segment', '/a//b'],
    ['only slashes', '//'],
    ['dot segment', '/a/./b'],
    ['dot-dot segment', '/a/../b'],
    ['final dot', '/a/.'],
    ['final dot-dot', '/..'],
    ['NUL', '/a\u0000b'],
    ['control character', '/a\u0001'],
    ['DEL', '/a\u007f'],
    ['C1 control', '/a\u0085'],
    ['surrogate', '/a\ud800'],
    ['private use', '/a\ue000'],
    ['non-character', '/a\ufffe'],
    ['number', 42],
    ['undefined', undefined],
    ['null', null],
  ];

  describe.each(badPaths)('path: %s', (_name, path) => {
    const p = path as string;
    test('every operation refuses it with a TypeError', async () => {
      const calls: Array<() => unknown> = [
        () => client.create(p, 'x'),
        () => client.create(p, 'x', { mode: 'persistent-sequential' }),
        () => client.create(p, 'x', { protected: true, mode: 'ephemeral-sequential' }),
        () => client.getData(p),
        () => client.setData(p, 'x'),
        () => client.exists(p),
        () => client.getChildren(p),
        () => client.delete(p),
        () => client.delete(p, { recursive: true, guaranteed: true }),
        () => client.getACL(p),
        () => client.setACL(p, OPEN_ACL_UNSAFE),
        () => client.sync(p),
        () => client.watchData(p),
        () => client.watchChildren(p),
        () => client.watchExists(p),
        () => client.transaction().create(p),
        () => client.transaction().setData(p, 'x'),
        () => client.transaction().delete(p),
        () => client.transaction().check(p),
      ];
      for (const call of calls) await refused(TypeError, call);
    });
  });

  const badData: Array<[string, unknown, typeof TypeError | typeof RangeError]> = [
    ['a number', 42, TypeError],
    ['an object', { value: 1 }, TypeError],
    ['an array', [1, 2, 3], TypeError],
    ['a boolean', true, TypeError],
    ['a bigint', 1n, TypeError],
    ['a DataView', new DataView(new ArrayBuffer(4)), TypeError],
    ['over 1 MB (Buffer)', Buffer.alloc(MAX_DATA_BYTES + 1), RangeError],
    ['over 1 MB (string)', 'x'.repeat(MAX_DATA_BYTES + 1), RangeError],
    ['over 1 MB once UTF-8 encoded', 'é'.repeat(MAX_DATA_BYTES / 2 + 1), RangeError],
    ['exactly 1 MB: the request would exceed jute.maxbuffer', Buffer.alloc(MAX_DATA_BYTES), RangeError],
  ];

  describe.each(badData)('data: %s', (_name, data, type) => {
    test('create, setData and transactions refuse it', async () => {
      const d = data as NodeData;
      await refused(type, () => client.create('/bad-data', d));
      await refused(type, () => client.setData('/existing', d));
      // The builder checks the payload; the request size is known at commit.
      await refused(type, () => client.transaction().create('/bad-data', d).commit());
      await refused(type, () => client.transaction().setData('/existing', d).commit());
    });
  });

  test('the largest request the server takes is sent; one byte more is refused', async () => {
    const full = `${namespace}/big`;
    const aclBytes = 4 + 4 + (4 + 'world'.length) + (4 + 'anyone'.length);
    const largest = MAX_REQUEST_BYTES - 8 - (4 + full.length) - 4 - aclBytes - 4;
    await refused(RangeError, () => client.create('/big', Buffer.alloc(largest + 1)));
    expect(await client.create('/big', Buffer.alloc(largest))).toBe('/big');
    expect((await client.exists('/big'))!.dataLength).toBe(largest);
    // setData carries no ACL, so the same payload fits there, and a transaction of two does not.
    await client.setData('/big', Buffer.alloc(largest));
    await refused(RangeError, () =>
      client.transaction().setData('/big', Buffer.alloc(largest / 2)).setData('/existing', Buffer.alloc(largest / 2)).commit(),
    );
    expect(client.state).toBe('connected');
  });

  test('versions: negative (other than -1), fractional, non-numbers', async () => {
    await refused(RangeError, () => client.setData('/existing', 'x', { version: -2 }));
    await refused(RangeError, () => client.delete('/existing', { version: 2 ** 31 }));
    await refused(TypeError, () => client.setData('/existing', 'x', { version: 1.5 }));
    await refused(TypeError, () => client.delete('/existing', { version: '1' as unknown as number }));
    await refused(TypeError, () => client.setACL('/existing', OPEN_ACL_UNSAFE, { version: Number.NaN }));
    await refused(RangeError, () => client.transaction().check('/existing', -5));
    await refused(TypeError, () => client.transaction().delete('/existing', 0.1));
    await refused(TypeError, () => client.transaction().setData('/existing', 'x', Infinity));
  });

  test('timeouts and signals', async () => {
    await refused(RangeError, () => client.getData('/existing', { timeoutMs: -1 }));
    await refused(RangeError, () => client.exists('/existing', { timeoutMs: Infinity }));
    await refused(TypeError, () => client.exists('/existing', { timeoutMs: Number.NaN }));
    await refused(TypeError, () => client.exists('/existing', { timeoutMs: '100' as unknown as number }));
    await refused(TypeError, () => client.create('/x', 'x', { signal: {} as AbortSignal }));
    await refused(RangeError, () => client.waitForConnection({ timeoutMs: -5 }));
    await refused(RangeError, () => client.transaction().check('/existing').commit({ timeoutMs: -1 }));
  });

  test('modes, ACLs, watch callbacks and auth', async () => {
    await refused(TypeError, () => client.create('/x', 'x', { mode: 'CONTAINER' as never }));
    await refused(TypeError, () => client.create('/x', 'x', { mode: 'persistent-with-ttl' }));
    await refused(RangeError, () => client.create('/x', 'x', { mode: 'persistent-with-ttl', ttlMs: 0 }));
    await refused(RangeError, () => client.create('/x', 'x', { mode: 'persistent-sequential-with-ttl', ttlMs: 2 ** 40 }));
    await refused(TypeError, () => client.create('/x', 'x', { mode: 'persistent-with-ttl', ttlMs: 1.5 }));
    await refused(TypeError, () => client.create('/x', 'x', { ttlMs: 1000 }));
    await refused(TypeError, () => client.transaction().create('/x', 'x', { mode: 'persistent-with-ttl' }));
    await refused(TypeError, () => client.create('/x', 'x', { mode: 'EPHEMERAL' as never }));
    await refused(TypeError, () => client.transaction().create('/x', 'x', { mode: 'ttl' as never }));
    const badAcls: unknown[] = [
      [],
      {},
      [{ perms: 0, scheme: 'world', id: 'anyone' }],
      [{ perms: 32, scheme: 'world', id: 'anyone' }],
      [{ perms: 1.5, scheme: 'world', id: 'anyone' }],
      [{ perms: 31, scheme: 'world' }],
      [{ perms: 31, id: 'anyone' }],
      [{ perms: 31, scheme: '', id: 'anyone' }],
      [null],
    ];
    for (const acl of badAcls) {
      await refused(TypeError, () => client.create('/x', 'x', { acl: acl as Acl[] }));
      await refused(TypeError, () => client.setACL('/existing', acl as Acl[]));
      await refused(TypeError, () => client.transaction().create('/x', 'x', { acl: acl as Acl[] }));
    }
    await refused(TypeError, () => client.getData('/existing', { watch: 'yes' as never }));
    await refused(TypeError, () => client.addAuth({ scheme: '', auth: 'a:b' }));
    await refused(TypeError, () => client.addAuth({ scheme: 'digest', auth: 42 as never }));
    await refused(TypeError, () => client.create('/', 'x'));
    expect((await client.getChildren('/')).children.sort()).toEqual(['big', 'existing']);
  });

  test('client options are checked in the constructor, naming the option', () => {
    const make = (options: object): ZkClient => new ZkClient({ connectString: server.connectString, ...options });
    expect(() => new ZkClient({ connectString: '' })).toThrow(TypeError);
    expect(() => new ZkClient({ connectString: '   ' })).toThrow(/connectString/);
    expect(() => new ZkClient({} as never)).toThrow(/connectString/);
    expect(() => new ZkClient({ connectString: 'host:port:x' })).toThrow(/connectString/);
    expect(() => new ZkClient(undefined as never)).toThrow(TypeError);
    expect(() => make({ sessionTimeoutMs: -1 })).toThrow(/sessionTimeoutMs/);
    expect(() => make({ sessionTimeoutMs: 10 })).toThrow(RangeError);
    expect(() => make({ connectionTimeoutMs: Number.NaN })).toThrow(/connectionTimeoutMs/);
    expect(() => make({ operationTimeoutMs: -1 })).toThrow(/operationTimeoutMs/);
    expect(() => make({ namespace: 'a//b' })).toThrow(/namespace/);
    expect(() => make({ namespace: '/a/' })).toThrow(/namespace/);
    expect(() => make({ retry: { retries: -1 } })).toThrow(/retry.retries/);
    expect(() => make({ retry: { minDelayMs: 100, maxDelayMs: 10 } })).toThrow(/retry.maxDelayMs/);
    expect(() => make({ auth: [{ scheme: 'digest' }] })).toThrow(/auth/);
    expect(() => make({ defaultAcl: [] })).toThrow(/defaultAcl/);
    expect(() => make({ reconnectDelayMs: -1 })).toThrow(/reconnectDelayMs/);
    expect(() => make({ canBeReadOnly: 'yes' })).toThrow(/canBeReadOnly/);
    // What the node-zookeeper-client transport cannot do is refused, typed, before anything is sent.
    const refused = ((): unknown => {
      try {
        make({ canBeReadOnly: true, transport: 'node-zookeeper-client' });
      } catch (error) {
        return error;
      }
      return undefined;
    })();
    expect(refused).toMatchObject({ name: 'ZkError', code: 'UNIMPLEMENTED', operation: 'connect' });
    expect((refused as Error).message).toMatch(/^canBeReadOnly: UNIMPLEMENTED/);
    // Valid forms: several hosts, a chroot, a namespace with or without the leading slash.
    expect(() => make({ connectString: 'a:1,b:2,c/chroot', namespace: 'app' })).not.toThrow();
  });

  test("the path check's one-pattern fast accept agrees with ZooKeeper's rules on every short path over boundary characters", () => {
    // The rules as ZooKeeper's PathUtils states them, written out independently of src/client/paths.ts.
    const forbidden = (code: number): boolean =>
      code <= 0x1f || (code >= 0x7f && code <= 0x9f) || (code >= 0xd800 && code <= 0xf8ff) || code >= 0xfff0;
    const valid = (path: string): boolean =>
      path === '/' ||
      (path.startsWith('/') &&
        !path.endsWith('/') &&
        path
          .slice(1)
          .split('/')
          .every((segment) => segment !== '' && segment !== '.' && segment !== '..') &&
        Array.from({ length: path.length }, (_, i) => path.charCodeAt(i)).every((code) => !forbidden(code)));
    const accepts = (path: string): boolean => {
      try {
        validatePath(path);
        return true;
      } catch (error) {
        expect(error).toBeInstanceOf(TypeError);
        return false;
      }
    };
    const alphabet = ['/', 'a', '.', '\u001f', '\u0020', '\u007f', '\u00a0', '\ud7ff', '\ud800', '\uf900', '\uffef', '\ufff0'];
    const disagreements: string[] = [];
    let checked = 0;
    const visit = (prefix: string, depth: number): void => {
      for (const character of alphabet) {
        const path = prefix + character;
        checked += 1;
        if (accepts(path) !== valid(path)) disagreements.push(JSON.stringify(path));
        if (depth > 1) visit(path, depth - 1);
      }
    };
    visit('', 4);
    expect(checked).toBeGreaterThan(20_000);
    expect(disagreements).toEqual([]);
  });
});
