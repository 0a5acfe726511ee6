/**
 * What a new user hit with the locks (packed tarball, fresh app): a missing client accepted, a deadline
 * overrun while disconnected, and errors naming internal node names instead of the lock.
 */
import { isZkError, ZkError, type ZooKeeperClient } from '../../../src/client';
import { LockTimeoutError, MultiLock, Mutex, ReadWriteLock, Semaphore, SemaphoreMutex } from '../../../src/recipes/lock';
import { TestingProxy } from '../../../src/testing';
import { eventually, scaled, waitForState } from '../../helpers';
import { Clients } from '../../helpers/clients';
import { sharedServer } from '../../helpers/shared-server';
import { ephemeralsUnder, rejection } from './support';

const server = sharedServer();
const clients = new Clients(() => server.connectString, { prefix: 'lock' });
const proxies: TestingProxy[] = [];

beforeEach(() => clients.renew());
afterEach(async () => {
  await clients.closeAll();
  await Promise.all(proxies.splice(0).map((proxy) => proxy.close()));
});

test('every lock constructor refuses a missing client with a TypeError naming the lock', () => {
  const none = undefined as unknown as ZooKeeperClient;
  expect(() => new Mutex(none, '/m')).toThrow(new TypeError('Mutex: client must be a ZooKeeperClient'));
  expect(() => new ReadWriteLock(none, '/rw')).toThrow(TypeError);
  expect(() => new Semaphore(none, '/s', { maxLeases: 2 })).toThrow(TypeError);
  expect(() => new SemaphoreMutex(none, '/sm')).toThrow(TypeError);
  expect(() => new MultiLock(none, ['/a'])).toThrow(TypeError);
});

test('acquire({ timeoutMs: 300 }) while disconnected rejects at about 300 ms, and the node goes once connected', async () => {
  const proxy = await TestingProxy.start(server.connectString);
  proxies.push(proxy);
  const client = await clients.start({ connectString: proxy.connectString, sessionTimeoutMs: 10_000 });
  const holder = await clients.start();
  const held = await new Mutex(holder, '/busy').acquire();
  const mutex = new Mutex(client, '/busy');
  const started = performance.now();
  const waiting = mutex.acquire({ timeoutMs: 300 });
  await eventually(async () => (await ephemeralsUnder(holder, '/busy')).length === 2, scaled(5000), 5);
  proxy.rejectConnections(true);
  proxy.cut();
  const error = await rejection(waiting);
  const elapsed = performance.now() - started;
  expect(error).toBeInstanceOf(LockTimeoutError);
  expect(elapsed).toBeLessThan(300 + scaled(250));
  proxy.rejectConnections(false);
  await waitForState(client, 'reconnected');
  await held.release();
  // The waiter's node is deleted in the background once the connection is back.
  await eventually(async () => (await ephemeralsUnder(holder, '/busy')).length === 0);
});

test('errors speak of the lock, in the user terms; the ZooKeeper detail is the cause', async () => {
  const client = await clients.start();
  await client.close();
  const error = await rejection(new Mutex(client, '/locks/m').acquire());
  expect(isZkError(error, 'CLIENT_CLOSED')).toBe(true);
  expect((error as ZkError).message).toBe('Mutex /locks/m: client closed');
  expect((error as ZkError).path).toBe('/locks/m');
  expect((error as ZkError).cause).toBeInstanceOf(ZkError);
  const semaphore = await rejection(new Semaphore(client, '/limits/x', { maxLeases: 2 }).acquire());
  expect((semaphore as ZkError).message).toBe('Semaphore /limits/x: client closed');
});
