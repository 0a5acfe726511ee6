/**
 * Graceful shutdown: `client.shutdown()` hands over every lock, lease, leadership and membership at once,
 * so successors take over in a round trip or two instead of a session timeout — in a process killed with
 * SIGTERM too (`shutdownOnSignal()`).
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { once } from 'node:events';
import * as path from 'node:path';
import * as readline from 'node:readline';
import { NodeCache, TreeCache } from '../../../src/recipes/config';
import { LeaderLatch, LeaderSelector } from '../../../src/recipes/leader';
import { Mutex, Semaphore } from '../../../src/recipes/lock';
import { GroupMember } from '../../../src/recipes/membership';
import { ServiceDiscovery, serviceInstance } from '../../../src/recipes/naming';
import { HoldLostError } from '../../../src/recipes/shared';
import { eventually, scaled, waitForEvent } from '../../helpers';
import { Clients } from '../../helpers/clients';
import { leavesNothingBehind } from '../../helpers/resources';
import { sharedServer } from '../../helpers/shared-server';

const server = sharedServer();
// A session timeout far above what a hand-over takes: a successor that waited for it would time out the test.
const clients = new Clients(() => server.connectString, { prefix: 'shutdown', clientDefaults: { sessionTimeoutMs: scaled(20_000) } });
const children: ChildProcessWithoutNullStreams[] = [];

beforeEach(() => clients.renew());
afterEach(async () => {
  for (const child of children.splice(0)) child.kill('SIGKILL');
  await clients.closeAll();
});

/** How long a successor may wait: well under the session timeout, so only a hand-over can meet it. */
const HANDOVER_MS = scaled(20_000) / 2;

test('a held Mutex (entered twice) is released, its signal says closed, and a waiter elsewhere takes it', async () => {
  const [old, next] = await clients.startMany(2);
  const mutex = new Mutex(old!, '/lock');
  let signal!: AbortSignal;
  let release!: () => void;
  const holding = mutex.withLock(async () => {
    const inner = await mutex.acquire(); // reentrant: a second handle on the same hold
    signal = inner.signal;
    await new Promise<void>((resolve) => (release = resolve));
    await inner.release();
  });
  await eventually(() => signal !== undefined);
  const successor = new Mutex(next!, '/lock');
  const waiting = successor.acquire({ timeoutMs: HANDOVER_MS });
  await eventually(async () => (await successor.getParticipants()).length === 2);
  await old!.shutdown();
  const handle = await waiting;
  expect(signal.reason).toBeInstanceOf(HoldLostError);
  expect((signal.reason as HoldLostError).reason).toBe('closed');
  expect(old!.state).toBe('closed');
  release();
  await holding; // the user's own releases after the shutdown are harmless
  await handle.release();
});

test('a semaphore lease is returned and a waiter takes it', async () => {
  const [old, next] = await clients.startMany(2);
  const lease = await new Semaphore(old!, '/slots', { maxLeases: 1 }).acquire();
  const waiting = new Semaphore(next!, '/slots', { maxLeases: 1 }).acquire({ timeoutMs: HANDOVER_MS });
  await eventually(async () => (await next!.getChildren('/slots/locks')).children.length === 1);
  await old!.shutdown();
  const successor = await waiting;
  expect(lease.signal.aborted).toBe(true);
  await successor.release();
});

test('a LeaderLatch and a LeaderSelector hand leadership over, the old term ending before the new one', async () => {
  const [old, next] = await clients.startMany(2);
  const events: string[] = [];
  const lead = (who: string) => async (signal: AbortSignal) => {
    events.push(`${who} leads`);
    await new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true }));
    events.push(`${who} stops`);
  };
  const oldLatch = new LeaderLatch(old!, '/latch', { id: 'old' });
  await oldLatch.start();
  await oldLatch.waitForLeadership();
  const oldSelector = new LeaderSelector(old!, '/selector', { id: 'old', takeLeadership: lead('old') });
  await oldSelector.start();
  await eventually(() => oldSelector.hasLeadership());
  const nextLatch = new LeaderLatch(next!, '/latch', { id: 'next' });
  const nextSelector = new LeaderSelector(next!, '/selector', { id: 'next', takeLeadership: lead('next') });
  await Promise.all([nextLatch.start(), nextSelector.start()]);
  const nextLeads = waitForEvent(nextSelector, 'isLeader', () => true, HANDOVER_MS);
  await old!.shutdown();
  await nextLatch.waitForLeadership({ timeoutMs: HANDOVER_MS });
  await nextLeads;
  expect(oldLatch.state).toBe('closed');
  expect(oldSelector.state).toBe('closed');
  expect(events.slice(0, 2)).toEqual(['old leads', 'old stops']);
  await Promise.all([nextLatch.close(), nextSelector.close()]);
});

test('a GroupMember leaves: the others see it go', async () => {
  const [old, next] = await clients.startMany(2);
  await new GroupMember(old!, '/group', { id: 'old' }).start();
  const other = new GroupMember(next!, '/group', { id: 'next' });
  await other.start();
  await eventually(() => other.members().has('old'));
  const left = waitForEvent(other, 'leave', (id: string) => id === 'old', HANDOVER_MS);
  await old!.shutdown();
  await left;
  await other.close();
});

test('caches stop and service instances unregister: the others see the instance go', async () => {
  const [old, next] = await clients.startMany(2);
  const cache = new TreeCache(old!, '/config');
  const node = new NodeCache(old!, '/config/a');
  const discovery = new ServiceDiscovery(old!, { basePath: '/services' });
  await Promise.all([cache.start(), node.start(), discovery.start()]);
  await discovery.register(serviceInstance({ name: 'billing', id: 'old', address: '127.0.0.1', port: 8080 }));
  const observer = new ServiceDiscovery(next!, { basePath: '/services' });
  await observer.start();
  expect((await observer.queryForInstances('billing')).map((i) => i.id)).toEqual(['old']);
  await old!.shutdown();
  expect([cache.state, node.state, discovery.state]).toEqual(['closed', 'closed', 'closed']);
  expect(await observer.queryForInstances('billing')).toEqual([]);
  await observer.close();
});

test('a release that never ends is cut short at timeoutMs, and the session closes regardless', async () => {
  const old = await clients.start();
  const stuck = new LeaderSelector(old, '/stuck', { id: 'old', takeLeadership: () => new Promise<void>(() => undefined) });
  await stuck.start();
  await eventually(() => stuck.hasLeadership());
  await old.shutdown({ timeoutMs: scaled(200) });
  expect(old.state).toBe('closed');
  const next = await clients.start();
  expect((await next.getChildren('/stuck')).children).toEqual([]);
});

test('shutdown leaves nothing behind: no socket, timer or listener', async () => {
  await leavesNothingBehind(async () => {
    const client = await clients.start();
    await new Mutex(client, '/all/lock').acquire();
    await new Semaphore(client, '/all/slots', { maxLeases: 2 }).acquire();
    const latch = new LeaderLatch(client, '/all/latch', { id: 'a' });
    await latch.start();
    await new GroupMember(client, '/all/group', { id: 'a' }).start();
    const signals = process.listenerCount('SIGTERM');
    client.shutdownOnSignal();
    expect(process.listenerCount('SIGTERM')).toBe(signals + 1);
    await Promise.all([client.shutdown(), client.shutdown()]);
    expect(process.listenerCount('SIGTERM')).toBe(signals);
    expect(client.listenerCount('state')).toBe(0);
  });
});

test('a bad timeoutMs is refused before anything is released', async () => {
  const client = await clients.start();
  await expect(client.shutdown({ timeoutMs: -1 })).rejects.toBeInstanceOf(RangeError);
  expect(client.state).toBe('connected');
});

test('a process that gets SIGTERM while holding a lock and leading hands both over within a few round trips', async () => {
  const [lockWaiter, latchClient] = await clients.startMany(2);
  const script = path.join(__dirname, 'fixtures', 'deployed-instance.ts');
  // One process (no tsx CLI wrapper in between), so that the signal reaches the instance itself.
  const child = spawn(process.execPath, ['--import', 'tsx', script, server.connectString, clients.namespace, String(scaled(20_000))], {
    cwd: path.join(__dirname, '..', '..', '..'),
  });
  children.push(child);
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = once(child, 'exit');
  const [line] = (await waitForEvent(readline.createInterface({ input: child.stdout }) as never, 'line', () => true, scaled(60_000)).catch((error: unknown) => {
    throw new Error(`${(error as Error).message}; stderr: ${stderr}`);
  })) as [string];
  expect(line).toMatch(/^READY \d+$/);
  const sessionTimeoutMs = Number(line.split(' ')[1]);
  expect(sessionTimeoutMs).toBeGreaterThanOrEqual(2 * HANDOVER_MS - 1);

  const mutex = new Mutex(lockWaiter!, '/deploy/lock');
  const lockTaken = mutex.acquire({ timeoutMs: HANDOVER_MS });
  const latch = new LeaderLatch(latchClient!, '/deploy/latch', { id: 'new' });
  await latch.start();
  await eventually(async () => (await mutex.getParticipants()).length === 2);

  child.kill('SIGTERM');
  const [handle, leadership] = await Promise.all([lockTaken, latch.waitForLeadership({ timeoutMs: HANDOVER_MS })]);
  expect(leadership.id).toBe('new');
  // It ended as SIGTERM ends a process: the signal was raised again once the shutdown was done.
  const [code, signal] = (await exited) as [number | null, NodeJS.Signals | null];
  expect({ code, signal, stderr }).toEqual({ code: null, signal: 'SIGTERM', stderr: '' });
  await handle.release();
  await latch.close();
});
