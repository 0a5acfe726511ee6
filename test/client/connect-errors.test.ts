/**
 * What a new user meets first: a client used before start() starts itself, and a failed connect says why
 * (the last socket error as `cause` and in the message), whatever the cause.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { isZkError, ZkClient } from '../../src/client';
import { TestingProxy } from '../../src/testing';
import { scaled } from '../helpers';
import { sharedServer } from '../helpers/shared-server';
import { leavesNothingBehind } from '../helpers/resources';
import { ownNamespaceClients, rejectsWithCode } from './support';

const server = sharedServer();
const clients = ownNamespaceClients(() => server.connectString);
const servers: Server[] = [];
const sockets = new Set<Socket>();

afterEach(async () => {
  await clients.closeAll();
  for (const socket of sockets) socket.destroy();
  await Promise.all(servers.splice(0).map((s) => new Promise((resolve) => s.close(resolve))));
});

test('an operation on a client that was never started starts it (not a 30 s wait for CONNECTION_LOSS)', async () => {
  const client = clients.make({ operationTimeoutMs: scaled(30_000) });
  expect(client.state).toBe('latent');
  const started = performance.now();
  expect(await client.exists('/')).not.toBeNull();
  expect(performance.now() - started).toBeLessThan(scaled(5000));
  expect(client.state).toBe('connected');
});

test('waitForConnection() on a client that was never started starts it', async () => {
  const client = clients.make();
  await client.waitForConnection({ timeoutMs: scaled(10_000) });
  expect(client.state).toBe('connected');
});

test('a refused port: CONNECT_TIMEOUT says ECONNREFUSED, with the socket error as cause', async () => {
  const proxy = await TestingProxy.start(server.connectString);
  const deadPort = proxy.connectString;
  await proxy.close();
  const client = clients.make({ connectString: deadPort, connectionTimeoutMs: 1000 });
  const error = await rejectsWithCode(client.start(), 'CONNECT_TIMEOUT');
  expect(error.message).toContain('ECONNREFUSED');
  expect((error.cause as NodeJS.ErrnoException).code).toBe('ECONNREFUSED');
});

test('an unknown host: the DNS error is the cause and in the message, and no socket outlives close()', async () => {
  await leavesNothingBehind(async () => {
    const client = clients.make({ connectString: 'no-such-host.invalid:2181', connectionTimeoutMs: 1000 });
    const error = await rejectsWithCode(client.start(), 'CONNECT_TIMEOUT');
    const code = (error.cause as NodeJS.ErrnoException).code;
    expect(['ENOTFOUND', 'EAI_AGAIN']).toContain(code);
    expect(error.message).toContain(code);
    await client.close();
  });
});

test('a server that does not speak ZooKeeper: the message says so', async () => {
  const http = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    socket.end('HTTP/1.1 400 Bad Request\r\n\r\n');
  });
  servers.push(http);
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const { port } = http.address() as { port: number };
  const client = clients.make({ connectString: `127.0.0.1:${port}`, connectionTimeoutMs: 1000 });
  const error = await rejectsWithCode(client.start(), 'CONNECT_TIMEOUT');
  expect(error.message).toContain('does not speak the ZooKeeper protocol');
  expect(isZkError(error.cause)).toBe(false);
});

test('a closed client is not started by an operation', async () => {
  const client = new ZkClient({ connectString: server.connectString });
  await client.close();
  await rejectsWithCode(client.exists('/'), 'CLIENT_CLOSED');
  expect(client.state).toBe('closed');
});
