/**
 * Mutex specifics on a real server: the one-round-trip fast path, no herd (two notifications per release at
 * most, whatever the line's length), a waiter giving up in the middle of the line, reentrancy per async context,
 * other clients' node names, waiting through connection and session loss, a crashed holder, and a lost
 * create reply that must not leave an orphan.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import * as path from 'node:path';
import * as readline from 'node:readline';
import { LockTimeoutError, Mutex, type LockHandle } from '../../../src/recipes/lock';
import { TestingProxy } from '../../../src/testing';
import { eventually, scaled, waitForEvent, waitForState } from '../../helpers';
import { Clients } from '../../helpers/clients';
import { sharedServer } from '../../helpers/shared-server';
import { ephemeralsUnder, ExclusionChecker, observe, rejection } from './support';

const server = sharedServer();
const clients = new Clients(() => server.connectString, { prefix: 'lock' });
const proxies: TestingProxy[] = [];
const children: ChildProcessWithoutNullStreams[] = [];

beforeEach(() => clients.renew());
afterEach(async () => {
  for (const child of children.splice(0)) child.kill('SIGKILL');
  await clients.closeAll();
  await Promise.all(proxies.splice(0).map((proxy) => proxy.close()));
});

async function proxied(sessionTimeoutMs = 3000): Promise<{ proxy: TestingProxy; client: Awaited<ReturnType<Clients['start']>> }> {
  const proxy = await TestingProxy.start(server.connectString);
  proxies.push(proxy);
  const client = await clients.start({ connectString: proxy.connectString, sessionTimeoutMs });
  return { proxy, client };
}

describe('fast path', () => {
  test('an uncontended acquire sends create and getChildren back to back (one round trip); release is one delete', async () => {
    const { proxy, client } = await proxied();
    const { client: watched, seen } = observe(client);
    const mutex = new Mutex(watched, '/fast');
    await (await mutex.acquire()).release(); // the first one also creates /fast

    seen.log.length = 0;
    const before = proxy.requestCount;
    const handle = await mutex.acquire();
    expect(proxy.requestCount - before).toBe(2);
    expect(seen.log).toHaveLength(4);
    expect(seen.log[0]).toMatch(/^> create \/fast\/_c_[0-9a-f-]{36}-lock-$/);
    expect(seen.log[1]).toBe('> getChildren /fast');
    expect(seen.log.slice(2).some((entry) => entry.startsWith('< create /fast/'))).toBe(true);
    expect(seen.log.slice(2)).toContain('< getChildren /fast');

    const beforeRelease = proxy.requestCount;
    await handle.release();
    expect(proxy.requestCount - beforeRelease).toBe(1);
    expect(await ephemeralsUnder(client, '/fast')).toEqual([]);
  });

  test('a missing parent is created on the first acquisition', async () => {
    const client = await clients.start();
    const handle = await new Mutex(client, '/deep/er/lock').acquire();
    expect(await client.exists('/deep/er/lock')).not.toBeNull();
    await handle.release();
  });
});

describe.each([8, 32])('no herd, %i waiters', (waiters) => {
  test('a release notifies two waiters at most, and a waiter lists at most once after joining, however long the line', async () => {
    const all = await clients.startMany(waiters + 1);
    const observed = all.map((client) => observe(client));
    const mutexes = observed.map(({ client }) => new Mutex(client, '/herd'));
    const notifications = (): number => observed.reduce((sum, { seen }) => sum + seen.notifications.length, 0);

    let handle = await mutexes[0]!.acquire();
    const acquired: LockHandle[] = [];
    let onAcquired = (): void => undefined;
    for (const mutex of mutexes.slice(1)) {
      void mutex.acquire({ timeoutMs: scaled(60_000) }).then((next) => {
        acquired.push(next);
        onAcquired();
      });
    }
    await eventually(async () => (await ephemeralsUnder(all[0]!, '/herd')).length === waiters + 1);
    for (let i = 1; i <= waiters; i += 1) {
      const handedOver = new Promise<void>((resolve) => (onAcquired = resolve));
      await handle.release();
      await handedOver;
      handle = acquired[i - 1]!;
      // Notifications of release i + 1 cannot have come yet: this bound holds whatever is still in flight.
      expect(notifications()).toBeLessThanOrEqual(2 * i);
    }
    await handle.release();
    expect(notifications()).toBeLessThanOrEqual(2 * waiters);
    for (const { seen } of observed.slice(1)) {
      // Woken as the successor and as the one two behind, at most; and the listing sent with the create plus
      // at most one more (when it is not yet second in line after a deletion ahead).
      expect(seen.notifications.length).toBeLessThanOrEqual(2);
      expect(seen.log.filter((entry) => entry === '> getChildren /herd').length).toBeLessThanOrEqual(2);
    }
  });
});

test('a waiter that gives up in the middle of the line is no hand-over: its successor lists and waits on', async () => {
  const all = await clients.startMany(5);
  const observed = all.map((client) => observe(client));
  const mutexes = observed.map(({ client }) => new Mutex(client, '/middle'));
  const holder = await mutexes[0]!.acquire();
  const quitter = new AbortController();
  const acquisitions: Array<Promise<LockHandle>> = [];
  for (const [index, mutex] of mutexes.slice(1).entries()) {
    // One at a time, so that the line's order is the order of `mutexes`.
    acquisitions.push(mutex.acquire({ timeoutMs: scaled(30_000), ...(index === 1 ? { signal: quitter.signal } : {}) }));
    await eventually(async () => (await ephemeralsUnder(all[0]!, '/middle')).length === index + 2);
  }
  const quit = rejection(acquisitions[1]!);
  // The third in line (index 2) gives up: the fourth (index 3) watched it as its predecessor and the fifth
  // as the node two ahead; both have more nodes ahead than they watch, so both must list again.
  const successors = observed.slice(3);
  const listings = (): number[] => successors.map(({ seen }) => seen.log.filter((entry) => entry === '< getChildren /middle').length);
  const listed = listings();
  quitter.abort(new Error('gave up'));
  expect(await quit).toEqual(new Error('gave up'));
  await eventually(() => listings().every((count, i) => count > listed[i]!));
  // Nobody took the lock: the holder still holds it, and the line goes on in order.
  const order: number[] = [];
  const tracked = acquisitions.map((acquisition, index) => (index === 1 ? undefined : acquisition.then((handle) => (order.push(index), handle))));
  await eventually(async () => (await ephemeralsUnder(all[0]!, '/middle')).length === 4);
  expect(order).toEqual([]);
  await holder.release();
  for (const index of [0, 2, 3]) {
    const handle = await tracked[index]!;
    expect(order.at(-1)).toBe(index);
    await handle.release();
  }
  expect(order).toEqual([0, 2, 3]);
});

describe('reentrancy follows the async context', () => {
  test('inside withLock the same Mutex re-enters; the node goes only with the last release', async () => {
    const [client] = await clients.startMany(1);
    const mutex = new Mutex(client!, '/re');
    await mutex.withLock(async (outer) => {
      const inner = await mutex.acquire({ timeoutMs: 0 });
      expect(inner.path).toBe(outer.path);
      expect(inner.fencingToken).toBe(outer.fencingToken);
      expect(await mutex.withLock(async (nested) => nested.path)).toBe(outer.path);
      expect(await mutex.tryAcquire().then((h) => h?.release().then(() => h.path))).toBe(outer.path);
      await inner.release();
      expect(mutex.isAcquired()).toBe(true);
      expect(await ephemeralsUnder(client!, '/re')).toEqual([outer.path]);
    });
    expect(mutex.isAcquired()).toBe(false);
    expect(await ephemeralsUnder(client!, '/re')).toEqual([]);
  });

  test('concurrent flows of one process each take their own turn', async () => {
    const [client] = await clients.startMany(1);
    const mutex = new Mutex(client!, '/flows');
    const checker = new ExclusionChecker();
    const flow = async (name: string): Promise<void> => {
      for (let i = 0; i < 20; i += 1) {
        await mutex.withLock(async (handle) => {
          const stay = checker.enter(name, handle.signal, handle.fencingToken);
          await new Promise((resolve) => setImmediate(resolve));
          checker.exit(stay);
        });
      }
    };
    await Promise.all(['a', 'b', 'c', 'd'].map(flow));
    expect(checker.violations).toEqual([]);
    expect(checker.count).toBe(80);
  });

  test('acquire() outside withLock is not reentrant: the same flow waits like anybody else', async () => {
    const [client] = await clients.startMany(1);
    const mutex = new Mutex(client!, '/plain');
    const first = await mutex.acquire();
    expect(await rejection(mutex.acquire({ timeoutMs: scaled(200) }))).toBeInstanceOf(LockTimeoutError);
    await first.release();
  });

  test('a flow started inside withLock that outlives it does not re-enter the released hold', async () => {
    const [client, other] = await clients.startMany(2);
    const mutex = new Mutex(client!, '/outlive');
    let go!: () => void;
    const later = new Promise<void>((resolve) => (go = resolve));
    let spawned!: Promise<boolean>;
    await mutex.withLock(() => {
      // runs in withLock's async context, but only after the hold was released
      spawned = later.then(() => mutex.tryAcquire()).then((h) => h !== null);
    });
    const blocker = await new Mutex(other!, '/outlive').acquire();
    go();
    expect(await spawned).toBe(false); // it queued like anybody else, and found the lock taken
    await blocker.release();
  });

  test('re-entering a hold that is no longer certain rejects with its reason', async () => {
    const { proxy, client } = await proxied(6000);
    const mutex = new Mutex(client, '/uncertain');
    await mutex.withLock(async (handle) => {
      proxy.cut();
      await waitForState(client, 'suspended');
      expect(handle.signal.aborted).toBe(true);
      expect(await rejection(mutex.acquire())).toBe(handle.signal.reason);
    });
  });
});

describe('other clients’ nodes under the same path', () => {
  test('kazoo and Curator nodes are ordered by their sequence; other children are ignored', async () => {
    const [ours, theirs] = await clients.startMany(2);
    await theirs!.create('/mixed/config', 'not a contender', { createParents: true });
    const kazoo = await theirs!.create('/mixed/5f2c9b0e7d4a4b0c9f1e2d3c4b5a6978__lock__', undefined, { mode: 'ephemeral-sequential' });
    const mutex = new Mutex(ours!, '/mixed', { data: 'node-a' });
    const waiting = mutex.acquire({ timeoutMs: scaled(20_000) });
    await eventually(async () => (await ephemeralsUnder(ours!, '/mixed')).length === 2);
    const curator = await theirs!.create('/mixed/_c_00000000-0000-4000-8000-000000000000-lock-', undefined, { mode: 'ephemeral-sequential' });
    const participants = await mutex.getParticipants();
    expect(participants.map((p) => p.marker)).toEqual(['__lock__', 'lock-', 'lock-']);
    expect(participants[0]!.path).toBe(kazoo);
    expect(participants[1]!.data.toString()).toBe('node-a');
    expect(participants[2]!.path).toBe(curator);
    expect(participants.map((p) => p.sequence)).toEqual([...participants.map((p) => p.sequence)].sort((a, b) => a - b));

    await theirs!.delete(kazoo);
    const handle = await waiting;
    expect(handle.path).toBe(participants[1]!.path);
    await handle.release();
    // the Curator-named node is first now
    expect(await mutex.tryAcquire()).toBeNull();
  });
});

describe('waiting through trouble', () => {
  test('a waiter whose connection drops re-checks after reconnecting and gets the lock released meanwhile', async () => {
    const holderClient = await clients.start();
    const { proxy, client } = await proxied(6000);
    const holder = await new Mutex(holderClient, '/drop').acquire();
    const waiting = new Mutex(client, '/drop', { policy: 'session' }).acquire({ timeoutMs: scaled(30_000) });
    await eventually(async () => (await ephemeralsUnder(holderClient, '/drop')).length === 2);
    proxy.rejectConnections(true);
    proxy.cut();
    await waitForState(client, 'suspended');
    await holder.release(); // the waiter cannot hear of it now
    proxy.rejectConnections(false);
    const handle = await waiting;
    expect(await ephemeralsUnder(holderClient, '/drop')).toEqual([handle.path]);
    await handle.release();
  });

  test('a waiter whose session expires starts over in the new session, with a new node', async () => {
    const [holderClient, client] = await clients.startMany(2);
    const holder = await new Mutex(holderClient!, '/again').acquire();
    const waiting = new Mutex(client!, '/again').acquire({ timeoutMs: scaled(30_000) });
    const waiterNode = async (): Promise<string | undefined> =>
      (await ephemeralsUnder(holderClient!, '/again')).find((node) => node !== holder.path);
    await eventually(async () => (await waiterNode()) !== undefined);
    const first = await waiterNode();
    const renewed = waitForState(client!, 'reconnected', (info) => info.sessionChanged === true);
    await server.expireSession(client!);
    await renewed;
    await eventually(async () => ![undefined, first].includes(await waiterNode()));
    const second = await waiterNode();
    expect(await ephemeralsUnder(holderClient!, '/again')).toHaveLength(2);
    await holder.release();
    const handle = await waiting;
    expect(handle.path).toBe(second);
    await handle.release();
    expect(await ephemeralsUnder(holderClient!, '/again')).toEqual([]);
  });

  test('a holder that crashes hands the lock on once its session ends', async () => {
    const client = await clients.start();
    const script = path.join(__dirname, 'fixtures', 'hold-mutex.ts');
    // One process (no tsx CLI wrapper process), so that SIGKILL really kills the holder.
    const child = spawn(process.execPath, ['--import', 'tsx', script, server.connectString, clients.namespace, '/crash', '2000'], {
      cwd: path.join(__dirname, '..', '..', '..'),
    });
    children.push(child);
    const [line] = (await waitForEvent(readline.createInterface({ input: child.stdout }) as never, 'line', () => true, scaled(60_000))) as [string];
    expect(line).toMatch(/^ACQUIRED \d+$/);
    const crashedToken = BigInt(line.split(' ')[1]!);
    const mutex = new Mutex(client, '/crash');
    expect(await mutex.tryAcquire()).toBeNull();
    const waiting = mutex.acquire({ timeoutMs: scaled(30_000) });
    child.kill('SIGKILL');
    const handle = await waiting;
    expect(handle.fencingToken).toBeGreaterThan(crashedToken);
    await handle.release();
  });

  test('a create whose reply is lost is found by its protected prefix: no second node, no orphan', async () => {
    const { proxy, client } = await proxied(3000);
    const mutex = new Mutex(client, '/lost-reply');
    await (await mutex.acquire()).release(); // the parent exists now
    proxy.dropRepliesAfter(1); // the create reaches the server; no reply comes back on that connection
    const handle = await mutex.acquire({ timeoutMs: scaled(30_000) });
    expect(proxy.droppedReplyCount).toBeGreaterThan(0);
    expect(await ephemeralsUnder(client, '/lost-reply')).toEqual([handle.path]);
    await handle.release();
    expect(await ephemeralsUnder(client, '/lost-reply')).toEqual([]);
  });

  test('an acquisition abandoned while its create reply is lost leaves no orphan', async () => {
    const { proxy, client } = await proxied(3000);
    const other = await clients.start();
    const mutex = new Mutex(client, '/abandoned');
    await (await mutex.acquire()).release();
    const controller = new AbortController();
    proxy.dropRepliesAfter(1);
    const dropping = waitForEvent(proxy as never, 'dropping-replies');
    const acquiring = mutex.acquire({ signal: controller.signal });
    await dropping;
    controller.abort(new Error('gave up'));
    expect(((await rejection(acquiring)) as Error).message).toBe('gave up');
    // the node was made on the server; once the client is back it finds it by its prefix and deletes it
    await eventually(async () => (await ephemeralsUnder(other, '/abandoned')).length === 0);
    expect(await new Mutex(other, '/abandoned').tryAcquire().then((h) => h?.release().then(() => true))).toBe(true);
  });
});
