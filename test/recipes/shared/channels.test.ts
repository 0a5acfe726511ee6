/**
 * The recipe events on diagnostics_channel: what a lock cycle, a leadership change, a group join and a
 * shutdown publish — and that no node data ever appears in a message.
 */
import diagnostics from 'node:diagnostics_channel';
import {
  channelNames,
  type CacheMessage,
  type GroupMessage,
  type LeaderMessage,
  type LockMessage,
  type QueueMessage,
  type ServiceMessage,
  type ShutdownMessage,
} from '../../../src/client';
import { TreeCache } from '../../../src/recipes/config';
import { LeaderLatch } from '../../../src/recipes/leader';
import { Mutex, Semaphore } from '../../../src/recipes/lock';
import { GroupMember } from '../../../src/recipes/membership';
import { ServiceDiscovery, serviceInstance } from '../../../src/recipes/naming';
import { DistributedQueue, SimpleDistributedQueue } from '../../../src/recipes/queue';
import { TestingProxy } from '../../../src/testing';
import { waitForEvent, waitForState } from '../../helpers';
import { Clients } from '../../helpers/clients';
import { sharedServer } from '../../helpers/shared-server';

const server = sharedServer();
const clients = new Clients(() => server.connectString, { prefix: 'channels' });
const SECRET = 'secret-payload-7f3a';

/** Messages published on the recipe channels while a test runs, and the subscriptions to end after it. */
const NAMES = ['lock', 'leader', 'group', 'cache', 'service', 'shutdown', 'queue'] as const;
const seen = Object.fromEntries(NAMES.map((name) => [name, [] as unknown[]])) as Record<(typeof NAMES)[number], unknown[]>;
const subscriptions: Array<() => void> = [];

beforeEach(() => {
  clients.renew();
  for (const name of NAMES) {
    seen[name] = [];
    const onMessage = (message: unknown): void => void seen[name].push(message);
    diagnostics.subscribe(channelNames[name], onMessage);
    subscriptions.push(() => diagnostics.unsubscribe(channelNames[name], onMessage));
  }
});
afterEach(async () => {
  for (const unsubscribe of subscriptions.splice(0)) unsubscribe();
  await clients.closeAll();
  // Whatever the test did, no message may carry node data.
  expect(JSON.stringify(Object.values(seen))).not.toContain(SECRET);
});

test('a lock cycle: acquired with its wait, released with its hold time; reentry publishes nothing', async () => {
  const [a, b] = await clients.startMany(2);
  const mutex = new Mutex(a!, '/lock', { data: SECRET });
  const first = await mutex.acquire();
  const waiting = new Mutex(b!, '/lock', { data: SECRET }).acquire();
  await first.release();
  const second = await waiting;
  await second.release();
  await mutex.withLock(() => mutex.acquire().then((inner) => inner.release()));
  const messages = seen.lock as LockMessage[];
  expect(messages.map((m) => [m.event, m.sessionId])).toEqual([
    ['acquired', a!.sessionId],
    ['released', a!.sessionId],
    ['acquired', b!.sessionId],
    ['released', b!.sessionId],
    ['acquired', a!.sessionId],
    ['released', a!.sessionId],
  ]);
  for (const m of messages) {
    expect(m).toMatchObject({ kind: 'Mutex', path: '/lock' });
    const ms = m.event === 'acquired' ? m.waitMs : m.holdMs;
    expect(ms).toBeGreaterThanOrEqual(0);
  }
});

test('a lock that goes uncertain is reported lost with its reason, then released', async () => {
  const proxy = await TestingProxy.start(server.connectString);
  try {
    const client = await clients.start({ connectString: proxy.connectString, sessionTimeoutMs: 6000 });
    const handle = await new Mutex(client, '/lost').acquire();
    proxy.cut();
    await waitForState(client, 'suspended');
    await handle.release().catch(() => undefined);
    const messages = seen.lock as LockMessage[];
    expect(messages.map((m) => m.event)).toEqual(['acquired', 'lost', 'released']);
    expect(messages[1]).toMatchObject({ event: 'lost', reason: 'suspended', kind: 'Mutex', path: '/lost' });
  } finally {
    await clients.closeAll();
    await proxy.close();
  }
});

test('a semaphore publishes one acquired/released pair per lease, as Semaphore', async () => {
  const client = await clients.start();
  const leases = await new Semaphore(client, '/slots', { maxLeases: 2, data: SECRET }).acquire(2);
  await Promise.all(leases.map((lease) => lease.release()));
  const messages = seen.lock as LockMessage[];
  expect(messages.map((m) => m.event).sort()).toEqual(['acquired', 'acquired', 'released', 'released']);
  for (const m of messages) expect(m).toMatchObject({ kind: 'Semaphore', path: '/slots', sessionId: client.sessionId });
});

test('a leadership change: the old leader lost (closed) with its term, the new one gained', async () => {
  const [a, b] = await clients.startMany(2);
  const first = new LeaderLatch(a!, '/latch', { id: SECRET });
  await first.start();
  await first.waitForLeadership();
  const second = new LeaderLatch(b!, '/latch', { id: `${SECRET}-b` });
  await second.start();
  const gained = waitForEvent(second, 'isLeader');
  await first.close();
  await gained;
  await second.close();
  const messages = seen.leader as LeaderMessage[];
  expect(messages.map((m) => [m.event, m.sessionId])).toEqual([
    ['gained', a!.sessionId],
    ['lost', a!.sessionId],
    ['gained', b!.sessionId],
    ['lost', b!.sessionId],
  ]);
  expect(messages[1]).toMatchObject({ kind: 'LeaderLatch', path: '/latch', reason: 'closed' });
  expect((messages[1] as { leadMs: number }).leadMs).toBeGreaterThanOrEqual(0);
});

test('a group join and leave, with the member id but not its data', async () => {
  const client = await clients.start();
  const member = new GroupMember(client, '/group', { id: 'worker-1', data: SECRET });
  await member.start();
  await member.close();
  const messages = seen.group as GroupMessage[];
  expect(messages).toEqual([
    { event: 'joined', kind: 'GroupMember', path: '/group', memberId: 'worker-1', sessionId: client.sessionId },
    // eslint-disable-next-line @typescript-eslint/no-unsafe-assignment -- jest's asymmetric matchers are typed any
    { event: 'left', kind: 'GroupMember', path: '/group', memberId: 'worker-1', sessionId: client.sessionId, memberMs: expect.any(Number) },
  ]);
});

test('a shutdown says how much it released', async () => {
  const client = await clients.start();
  const sessionId = client.sessionId;
  await new Mutex(client, '/s/lock', { data: SECRET }).acquire();
  await new GroupMember(client, '/s/group', { id: 'a', data: SECRET }).start();
  await client.shutdown();
  // The member's own PersistentNode is a recipe of its own: three releases.
  // eslint-disable-next-line @typescript-eslint/no-unsafe-assignment -- jest's asymmetric matchers are typed any
  expect(seen.shutdown as ShutdownMessage[]).toEqual([{ sessionId, released: 3, timedOut: false, durationMs: expect.any(Number) }]);
  expect((seen.lock as LockMessage[]).map((m) => m.event)).toEqual(['acquired', 'released']);
  expect((seen.group as GroupMessage[]).map((m) => m.event)).toEqual(['joined', 'left']);
});

test('a cache that caught up after a gap says resynced, without the data it read', async () => {
  const proxy = await TestingProxy.start(server.connectString);
  try {
    const client = await clients.start({ connectString: proxy.connectString, sessionTimeoutMs: 20_000 });
    const writer = await clients.start();
    await writer.create('/config/a', SECRET, { createParents: true });
    const cache = new TreeCache(client, '/config');
    await cache.start();
    const suspended = waitForState(client, 'suspended');
    proxy.rejectConnections(true);
    proxy.cut();
    await suspended;
    await writer.setData('/config/a', `${SECRET}-2`);
    const resynced = waitForEvent(cache, 'resynced');
    proxy.rejectConnections(false);
    await resynced;
    await cache.close();
    expect(seen.cache as CacheMessage[]).toEqual([{ event: 'resynced', kind: 'TreeCache', path: '/config', sessionId: client.sessionId }]);
  } finally {
    await clients.closeAll();
    await proxy.close();
  }
});

test('a registered service instance: its name and id, never its address or payload', async () => {
  const client = await clients.start();
  const discovery = new ServiceDiscovery(client, { basePath: '/services' });
  await discovery.start();
  await discovery.register(serviceInstance({ name: 'billing', id: 'i-1', address: SECRET, port: 8080, payload: SECRET }));
  await discovery.close();
  expect(seen.service as ServiceMessage[]).toEqual([
    { event: 'registered', kind: 'ServiceDiscovery', path: '/services', sessionId: client.sessionId, serviceName: 'billing', instanceId: 'i-1' },
  ]);
});

test('a queue put and consume cycle: taken with its wait, acked with its handle time; never the item', async () => {
  const [producer, worker] = await clients.startMany(2);
  await new DistributedQueue<string>(producer!, '/queue').put(SECRET);
  const stop = new AbortController();
  const handled: string[] = [];
  await new DistributedQueue<string>(worker!, '/queue').consume(
    (item) => {
      handled.push(item);
      stop.abort();
    },
    { signal: stop.signal },
  );
  expect(handled).toEqual([SECRET]);
  const where = { kind: 'DistributedQueue', path: '/queue', sessionId: worker!.sessionId, item: 'queue-0000000000' };
  expect(seen.queue as QueueMessage[]).toEqual([
    { event: 'taken', ...where, attempts: 0, mode: 'lock-safe', waitMs: expect.any(Number) as number },
    { event: 'acked', ...where, handleMs: expect.any(Number) as number },
  ]);

  // At-most-once: the item is removed as it is taken; there is nothing to acknowledge.
  const simple = new SimpleDistributedQueue(worker!, '/simple');
  await simple.offer(Buffer.from(SECRET));
  await simple.take();
  expect((seen.queue as QueueMessage[]).slice(2)).toEqual([
    { event: 'taken', kind: 'SimpleDistributedQueue', path: '/simple', sessionId: worker!.sessionId, item: 'qn-0000000000', attempts: 0, mode: 'at-most-once', waitMs: expect.any(Number) as number },
  ]);
});
