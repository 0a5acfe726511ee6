/** TestingProxy in front of a real ZooKeeper: frame counting across chunking, reply dropping, stall, cut, reject. */
import { once } from 'node:events';
import { ZkClient } from '../../src/client';
import { TestingProxy, TestingServer, type ProxiedRequest } from '../../src/testing';
import { isPortFree } from '../../src/testing/ports';
import { eventually, scaled, uniqueNamespace, waitForState } from '../helpers';
import {
  connectFrame,
  createFrame,
  existsFrame,
  OP_CREATE,
  OP_EXISTS,
  pingFrame,
  RawConnection,
  XID_PING,
} from './raw-connection';

const NO_NODE = -101;

let server: TestingServer;
let proxy: TestingProxy;
const opened: RawConnection[] = [];

/** A raw connection (closed after the test). */
async function open(target: string, handshake = true): Promise<RawConnection> {
  const connection = await RawConnection.open(target, handshake);
  opened.push(connection);
  return connection;
}

/** Polls the server directly until `path` exists. */
async function existsOnServer(path: string): Promise<void> {
  const direct = await open(server.connectString);
  let xid = 0;
  await eventually(async () => {
    direct.write(existsFrame(++xid, path));
    return (await direct.reply(xid)).err === 0;
  });
}

beforeAll(async () => {
  server = await TestingServer.start();
});
beforeEach(async () => {
  proxy = await TestingProxy.start(server.connectString);
});
afterEach(async () => {
  for (const connection of opened.splice(0)) connection.destroy();
  await proxy.close();
});
afterAll(() => server?.stop());

test('forwards a session both ways; counts requests, not the handshake or pings', async () => {
  const requests: ProxiedRequest[] = [];
  proxy.on('request', (request) => requests.push(request));
  const connection = await open(proxy.connectString);
  expect(proxy.connectString).toBe(`127.0.0.1:${proxy.port}`);
  expect(proxy.connectionCount).toBe(1);

  connection.write(pingFrame());
  await connection.reply(XID_PING);
  connection.write(existsFrame(1, '/'));
  expect((await connection.reply(1)).err).toBe(0);
  expect(proxy.requestCount).toBe(1);
  expect(requests).toEqual([{ xid: 1, type: OP_EXISTS, count: 1, connection: 1 }]);
});

test('finds frame boundaries when packets arrive a byte at a time or several in one chunk', async () => {
  const requests: ProxiedRequest[] = [];
  proxy.on('request', (request) => requests.push(request));
  const path = uniqueNamespace('chunked');
  const connection = await open(proxy.connectString, false);

  await connection.writeByteByByte(Buffer.concat([connectFrame(), existsFrame(1, '/'), createFrame(2, path), pingFrame()]));
  expect((await connection.reply(2)).err).toBe(0);
  await connection.reply(XID_PING);

  connection.write(Buffer.concat([existsFrame(3, path), existsFrame(4, '/'), pingFrame(), existsFrame(5, path)]));
  // And a frame split unevenly across two writes.
  const split = existsFrame(6, path);
  connection.write(split.subarray(0, 7));
  connection.write(split.subarray(7));
  expect((await connection.reply(6)).err).toBe(0);

  expect(requests.map((request) => [request.xid, request.type])).toEqual([
    [1, OP_EXISTS],
    [2, OP_CREATE],
    [3, OP_EXISTS],
    [4, OP_EXISTS],
    [5, OP_EXISTS],
    [6, OP_EXISTS],
  ]);
  expect(proxy.requestCount).toBe(6);
});

test('dropRepliesAfter(n): the n-th request and later reach the server, but their replies never come back', async () => {
  const base = uniqueNamespace('drop');
  const connection = await open(proxy.connectString);
  connection.write(existsFrame(1, '/'));
  await connection.reply(1);

  proxy.dropRepliesAfter(2);
  const dropping = once(proxy, 'dropping-replies');
  connection.write(createFrame(2, `${base}-a`));
  expect((await connection.reply(2)).err).toBe(0);
  connection.write(createFrame(3, `${base}-b`));
  const [trigger] = (await dropping) as [ProxiedRequest];
  expect(trigger).toMatchObject({ xid: 3, type: OP_CREATE, count: 3 });
  connection.write(createFrame(4, `${base}-c`));
  connection.write(pingFrame());

  // The server did the work...
  await existsOnServer(`${base}-b`);
  await existsOnServer(`${base}-c`);
  // ...and once the proxy has swallowed the replies to 3, 4 and the ping, none of them reached the client.
  await eventually(() => proxy.droppedReplyCount >= 3);
  expect(connection.received().map((reply) => reply.xid)).toEqual([1, 2]);
  expect(connection.closed).toBe(false);
  expect(proxy.requestCount).toBe(4);

  // New connections are not affected.
  const fresh = await open(proxy.connectString);
  fresh.write(existsFrame(1, `${base}-c`));
  expect((await fresh.reply(1)).err).toBe(0);
});

test('stall() holds traffic both ways without closing; resume() delivers it in order', async () => {
  const path = uniqueNamespace('stalled');
  const connection = await open(proxy.connectString);
  proxy.stall();
  connection.write(createFrame(1, path));
  connection.write(existsFrame(2, path));

  // Held at the proxy: a direct look at the server finds nothing yet, and the client hears nothing.
  const direct = await open(server.connectString);
  direct.write(existsFrame(1, path));
  expect((await direct.reply(1)).err).toBe(NO_NODE);
  expect(proxy.requestCount).toBe(0);
  expect(connection.received()).toEqual([]);
  expect(connection.closed).toBe(false);

  proxy.resume();
  expect((await connection.reply(1)).err).toBe(0);
  expect((await connection.reply(2)).err).toBe(0);
  expect(connection.received().map((reply) => reply.xid)).toEqual([1, 2]);
});

test('a connection made while stalled is accepted but silent until resume()', async () => {
  proxy.stall();
  const connection = await open(proxy.connectString, false);
  connection.write(connectFrame());
  connection.write(existsFrame(1, '/'));
  expect(proxy.connectionCount).toBe(1);
  proxy.resume();
  expect((await connection.reply(1)).err).toBe(0);
});

test('cut() drops every current connection and keeps accepting new ones', async () => {
  const first = await open(proxy.connectString);
  const second = await open(proxy.connectString);
  expect(proxy.connectionCount).toBe(2);
  proxy.cut();
  await first.closedByPeer();
  await second.closedByPeer();
  expect(proxy.connectionCount).toBe(0);

  const third = await open(proxy.connectString);
  third.write(existsFrame(1, '/'));
  expect((await third.reply(1)).err).toBe(0);
});

test('rejectConnections(true) resets new connections and keeps current ones; false lets them in again', async () => {
  const current = await open(proxy.connectString);
  proxy.rejectConnections(true);
  await expect(open(proxy.connectString)).rejects.toThrow(/closed|ECONNRESET/);
  current.write(existsFrame(1, '/'));
  expect((await current.reply(1)).err).toBe(0);

  proxy.rejectConnections(false);
  const later = await open(proxy.connectString);
  later.write(existsFrame(1, '/'));
  expect((await later.reply(1)).err).toBe(0);
});

test('bad arguments are rejected, naming them', async () => {
  expect(() => proxy.dropRepliesAfter(0)).toThrow(/positive integer/);
  expect(() => proxy.dropRepliesAfter(1.5)).toThrow(/positive integer/);
  await expect(TestingProxy.start('127.0.0.1:1,127.0.0.1:2')).rejects.toThrow(/host:port/);
  await expect(TestingProxy.start('no-port')).rejects.toThrow(/host:port/);
});

test('close() is idempotent and frees the port', async () => {
  const connection = await open(proxy.connectString);
  const closing = proxy.close();
  expect(proxy.close()).toBe(closing);
  await closing;
  await connection.closedByPeer();
  expect(await isPortFree(proxy.port)).toBe(true);
});

test('a ZkClient through the proxy: cut() suspends it, and it reconnects to the same session', async () => {
  const client = new ZkClient({ connectString: proxy.connectString, sessionTimeoutMs: 6000 });
  try {
    await client.start();
    const session = client.sessionId;
    const suspended = waitForState(client, 'suspended');
    const reconnected = waitForState(client, 'reconnected', undefined, scaled(30_000));
    proxy.cut();
    await suspended;
    expect(await reconnected).toMatchObject({ sessionChanged: false, sessionId: session });
  } finally {
    await client.close();
  }
});
