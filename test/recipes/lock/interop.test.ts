/**
 * Interop with Apache Curator 5.x (a real Curator client in a child JVM, test/interop/CuratorPeer.java):
 * zk-recipes and Curator contend on the same paths, and exclusion holds in both directions, for the Mutex
 * (InterProcessMutex), the ReadWriteLock (InterProcessReadWriteLock) and the Semaphore
 * (InterProcessSemaphoreV2). In lines where Curator's waiters stand between ours, the look-ahead of ours
 * (watching the node two ahead) and Curator's plain predecessor watch hand over in line order.
 */
import type { ZooKeeperClient } from '../../../src/client/types';
import { Mutex, ReadWriteLock, Semaphore } from '../../../src/recipes/lock';
import { TestingServer } from '../../../src/testing';
import { eventually, scaled } from '../../helpers';
import { Clients } from '../../helpers/clients';
import { CuratorPeer } from '../../interop/curator-peer';
import { ephemeralsUnder, ExclusionChecker } from './support';

let server: TestingServer;
let curator: CuratorPeer;
/** A second Curator client, so that two Curator waiters can stand in one line. */
let curator2: CuratorPeer;
const clients = new Clients(() => server.connectString, { prefix: 'lock' });

beforeAll(async () => {
  server = await TestingServer.start();
  [curator, curator2] = await Promise.all([
    CuratorPeer.start(server.connectString, { replyTimeoutMs: scaled(60_000) }),
    CuratorPeer.start(server.connectString, { replyTimeoutMs: scaled(60_000) }),
  ]);
});
beforeEach(() => clients.renew());
afterEach(() => clients.closeAll());
afterAll(async () => {
  await Promise.all([curator?.close(), curator2?.close()]);
  await server?.stop();
});

/** The path Curator (which has no namespace) uses for our client's `path`. */
const forCurator = (path: string): string => `${clients.namespace}${path}`;

/**
 * A line at `path`, joined one contender at a time (each once its node is there, so the line's order is the
 * order of the joins), recording the order in which they get the lock.
 */
function line(client: ZooKeeperClient, path: string) {
  const order: string[] = [];
  let length = 0;
  const queued = (count: number): Promise<void> => eventually(async () => (await ephemeralsUnder(client, path)).length === count);
  // Resolves once in line; wrapped, as an async function returning the acquisition itself would wait for it.
  const join = async <T>(name: string, acquire: () => Promise<T>): Promise<{ acquiring: Promise<T> }> => {
    const acquiring = acquire().then((value) => (order.push(name), value));
    length += 1;
    await queued(length);
    return { acquiring };
  };
  return { order, queued, join };
}

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

  test('in a line of ours and Curator’s waiters, interleaved, every release hands over to the next in line', async () => {
    const all = await clients.startMany(3);
    const mutexes = all.map((client) => new Mutex(client, '/line'));
    const p = forCurator('/line');
    const { order, queued, join } = line(all[0]!, '/line');
    const ours = (i: number) => join(`ours${i}`, () => mutexes[i]!.acquire({ timeoutMs: scaled(30_000) }));
    const theirs = (peer: CuratorPeer, name: string) => join(name, () => peer.send(`mutex-acquire ${p} ${scaled(30_000)}`));
    // ours0 (holds), curator1, ours1, curator2, ours2: each of ours has a Curator node within two ahead.
    const { acquiring: first } = await ours(0);
    const { acquiring: c1 } = await theirs(curator, 'curator1');
    const { acquiring: o1 } = await ours(1);
    const { acquiring: c2 } = await theirs(curator2, 'curator2');
    const { acquiring: o2 } = await ours(2);

    await (await first).release();
    expect(await c1).toMatch(/^ACQUIRED /);
    await queued(4); // a round trip later, still nobody else
    expect(order).toEqual(['ours0', 'curator1']);
    expect(await curator.send(`mutex-release ${p}`)).toBe('RELEASED');
    const held1 = await o1;
    await queued(3);
    expect(order).toEqual(['ours0', 'curator1', 'ours1']);
    await held1.release();
    expect(await c2).toMatch(/^ACQUIRED /);
    await queued(2);
    expect(order).toEqual(['ours0', 'curator1', 'ours1', 'curator2']);
    expect(await curator2.send(`mutex-release ${p}`)).toBe('RELEASED');
    await (await o2).release();
    expect(order).toEqual(['ours0', 'curator1', 'ours1', 'curator2', 'ours2']);
    expect(await ephemeralsUnder(all[0]!, '/line')).toEqual([]);
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

  test('in a line of our writers and Curator’s writer and reader, interleaved, the lock passes in line order', async () => {
    const all = await clients.startMany(3);
    const writers = all.map((client) => new ReadWriteLock(client, '/rwline').writeLock());
    const p = forCurator('/rwline');
    const { order, queued, join } = line(all[0]!, '/rwline');
    const ours = (i: number) => join(`writer${i}`, () => writers[i]!.acquire({ timeoutMs: scaled(30_000) }));
    const theirs = (peer: CuratorPeer, command: string, name: string) => join(name, () => peer.send(`${command} ${p} ${scaled(30_000)}`));
    // writer0 (holds), Curator's writer, writer1, Curator's reader, writer2.
    const { acquiring: first } = await ours(0);
    const { acquiring: cw } = await theirs(curator, 'rw-write-acquire', 'curatorWriter');
    const { acquiring: w1 } = await ours(1);
    const { acquiring: cr } = await theirs(curator2, 'rw-read-acquire', 'curatorReader');
    const { acquiring: w2 } = await ours(2);

    await (await first).release();
    expect(await cw).toBe('ACQUIRED');
    await queued(4);
    expect(order).toEqual(['writer0', 'curatorWriter']);
    expect(await curator.send(`rw-write-release ${p}`)).toBe('RELEASED');
    const held1 = await w1;
    await queued(3);
    expect(order).toEqual(['writer0', 'curatorWriter', 'writer1']);
    await held1.release();
    expect(await cr).toBe('ACQUIRED');
    await queued(2);
    expect(order).toEqual(['writer0', 'curatorWriter', 'writer1', 'curatorReader']);
    expect(await curator2.send(`rw-read-release ${p}`)).toBe('RELEASED');
    await (await w2).release();
    expect(order).toEqual(['writer0', 'curatorWriter', 'writer1', 'curatorReader', 'writer2']);
    expect(await ephemeralsUnder(all[0]!, '/rwline')).toEqual([]);
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
