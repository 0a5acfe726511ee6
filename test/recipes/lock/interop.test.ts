/**
 * Interop with Apache Curator 5.x (a real Curator client in a child JVM, test/interop/CuratorPeer.java):
 * zk-recipes and Curator contend on the same paths, and exclusion holds in both directions, for the Mutex
 * (InterProcessMutex), the ReadWriteLock (InterProcessReadWriteLock) and the Semaphore
 * (InterProcessSemaphoreV2).
 */
import { Mutex, ReadWriteLock, Semaphore } from '../../../src/recipes/lock';
import { TestingServer } from '../../../src/testing';
import { eventually, scaled } from '../../helpers';
import { Clients } from '../../helpers/clients';
import { CuratorPeer } from '../../interop/curator-peer';
import { ephemeralsUnder, ExclusionChecker } from './support';

let server: TestingServer;
let curator: CuratorPeer;
const clients = new Clients(() => server.connectString, { prefix: 'lock' });

beforeAll(async () => {
  server = await TestingServer.start();
  curator = await CuratorPeer.start(server.connectString, { replyTimeoutMs: scaled(60_000) });
});
beforeEach(() => clients.renew());
afterEach(() => clients.closeAll());
afterAll(async () => {
  await curator?.close();
  await server?.stop();
});

/** The path Curator (which has no namespace) uses for our client's `path`. */
const forCurator = (path: string): string => `${clients.namespace}${path}`;

describe('Mutex and InterProcessMutex', () => {
  test('Curator holds, we wait; we hold, Curator waits', async () => {
    const [client] = await clients.startMany(1);
    const mutex = new Mutex(client!, '/m');
    expect(await curator.send(`mutex-acquire ${forCurator('/m')}`)).toMatch(/^ACQUIRED _c_[0-9a-f-]{36}-lock-\d{10}$/);
    expect(await mutex.tryAcquire()).toBeNull();
    const waiting = mutex.acquire({ timeoutMs: scaled(20_000) });
    await eventually(async () => (await ephemeralsUnder(client!, '/m')).length === 2);
    const participants = await mutex.getParticipants();
    expect(participants).toHaveLength(2);
    expect(await curator.send(`mutex-release ${forCurator('/m')}`)).toBe('RELEASED');
    const held = await waiting;
    expect(held.path).toBe(participants[1]!.path);

    expect(await curator.send(`mutex-acquire ${forCurator('/m')} ${scaled(300)}`)).toBe('TIMEOUT');
    await held.release();
    expect(await curator.send(`mutex-acquire ${forCurator('/m')} ${scaled(10_000)}`)).toMatch(/^ACQUIRED /);
    expect(await curator.send(`mutex-release ${forCurator('/m')}`)).toBe('RELEASED');
    expect(await ephemeralsUnder(client!, '/m')).toEqual([]);
  });

  test('two of ours and Curator take turns many times without overlap', async () => {
    const all = await clients.startMany(2);
    const checker = new ExclusionChecker();
    const rounds = 25;
    const never = new AbortController().signal;
    const node = async (i: number): Promise<void> => {
      const mutex = new Mutex(all[i]!, '/turns');
      for (let round = 0; round < rounds; round += 1) {
        const handle = await mutex.acquire({ timeoutMs: scaled(30_000) });
        const stay = checker.enter(`node${i}`, handle.signal, handle.fencingToken);
        await all[i]!.exists('/'); // hold for a round trip
        checker.exit(stay);
        await handle.release();
      }
    };
    const java = async (): Promise<void> => {
      for (let round = 0; round < rounds; round += 1) {
        expect(await curator.send(`mutex-acquire ${forCurator('/turns')} ${scaled(30_000)}`)).toMatch(/^ACQUIRED /);
        // Curator's hold is known from its reply to our release request: a conservative window.
        const stay = checker.enter('curator', never);
        await all[0]!.exists('/');
        checker.exit(stay);
        expect(await curator.send(`mutex-release ${forCurator('/turns')}`)).toBe('RELEASED');
      }
    };
    await Promise.all([node(0), node(1), java()]);
    expect(checker.violations).toEqual([]);
    expect(checker.count).toBe(3 * rounds);
  });
});

describe('ReadWriteLock and InterProcessReadWriteLock', () => {
  test('readers of both share; writers of either exclude the other’s readers and writers', async () => {
    const [client] = await clients.startMany(1);
    const rw = new ReadWriteLock(client!, '/rw');
    const p = forCurator('/rw');

    // readers together
    expect(await curator.send(`rw-read-acquire ${p}`)).toBe('ACQUIRED');
    const reader = await rw.readLock().acquire({ timeoutMs: scaled(5000) });
    // our writer waits for both readers
    expect(await rw.writeLock().tryAcquire()).toBeNull();
    await reader.release();
    const writing = rw.writeLock().acquire({ timeoutMs: scaled(20_000) });
    await eventually(async () => (await ephemeralsUnder(client!, '/rw')).length === 2);
    expect(await curator.send(`rw-read-release ${p}`)).toBe('RELEASED');
    const writer = await writing;
    // Curator can neither read nor write now
    expect(await curator.send(`rw-read-acquire ${p} ${scaled(300)}`)).toBe('TIMEOUT');
    expect(await curator.send(`rw-write-acquire ${p} ${scaled(300)}`)).toBe('TIMEOUT');
    await writer.release();

    // Curator's writer keeps our readers and writers out
    expect(await curator.send(`rw-write-acquire ${p}`)).toBe('ACQUIRED');
    expect(await rw.readLock().tryAcquire()).toBeNull();
    expect(await rw.writeLock().tryAcquire()).toBeNull();
    const reading = rw.readLock().acquire({ timeoutMs: scaled(20_000) });
    await eventually(async () => (await ephemeralsUnder(client!, '/rw')).length === 2);
    expect(await curator.send(`rw-write-release ${p}`)).toBe('RELEASED');
    await (await reading).release();
    expect(await ephemeralsUnder(client!, '/rw')).toEqual([]);
  });

  test('a Curator reader queued behind our writer waits for it', async () => {
    const [client] = await clients.startMany(1);
    const rw = new ReadWriteLock(client!, '/rw2');
    const p = forCurator('/rw2');
    const writer = await rw.writeLock().acquire();
    const curatorReading = curator.send(`rw-read-acquire ${p} ${scaled(20_000)}`);
    await eventually(async () => (await ephemeralsUnder(client!, '/rw2')).length === 2);
    // our own later reader queues behind the writer too
    expect(await new ReadWriteLock(client!, '/rw2').readLock().tryAcquire()).toBeNull();
    await writer.release();
    expect(await curatorReading).toBe('ACQUIRED');
    // a reader of ours may join Curator's reader
    const reader = await rw.readLock().acquire({ timeoutMs: scaled(5000) });
    await reader.release();
    expect(await curator.send(`rw-read-release ${p}`)).toBe('RELEASED');
  });
});

describe('Semaphore and InterProcessSemaphoreV2', () => {
  test('leases of both count against one limit', async () => {
    const [client] = await clients.startMany(1);
    const semaphore = new Semaphore(client!, '/sem', { maxLeases: 2 });
    const p = forCurator('/sem');
    const ours = await semaphore.acquire();
    expect(await curator.send(`semaphore-acquire ${p} 2`)).toBe('ACQUIRED');
    expect(await semaphore.tryAcquire()).toBeNull();
    await ours.release();
    expect(await curator.send(`semaphore-acquire ${p} 2 ${scaled(5000)}`)).toBe('ACQUIRED');
    expect(await semaphore.tryAcquire()).toBeNull();
    const waiting = semaphore.acquire({ timeoutMs: scaled(20_000) });
    await eventually(async () => (await ephemeralsUnder(client!, '/sem')).length === 4);
    expect(await curator.send(`semaphore-release ${p}`)).toBe('RELEASED');
    const lease = await waiting;
    expect(await curator.send(`semaphore-acquire ${p} 2 ${scaled(300)}`)).toBe('TIMEOUT');
    await lease.release();
    expect(await curator.send(`semaphore-release ${p}`)).toBe('RELEASED');
    expect(await ephemeralsUnder(client!, '/sem')).toEqual([]);
  });
});
