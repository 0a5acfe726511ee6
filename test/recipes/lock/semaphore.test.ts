/** Semaphore and MultiLock on a real server: never more than N leases, all-or-nothing multi-locks. */
import {
  LockTimeoutError,
  MultiLock,
  Mutex,
  ReadWriteLock,
  Semaphore,
  SemaphoreMutex,
  type Lease,
} from '../../../src/recipes/lock';
import { eventually, scaled } from '../../helpers';
import { Clients } from '../../helpers/clients';
import { sharedServer } from '../../helpers/shared-server';
import { ephemeralsUnder, rejection } from './support';

const server = sharedServer();
const clients = new Clients(() => server.connectString, { prefix: 'lock' });

beforeEach(() => clients.renew());
afterEach(() => clients.closeAll());

describe('Semaphore', () => {
  test('never more than maxLeases held at once, across 6 clients', async () => {
    const all = await clients.startMany(6, { sessionTimeoutMs: 2000 });
    const observer = await clients.start();
    await observer.create('/sem/leases', undefined, { createParents: true });
    let held = 0;
    let waiting = 0;
    let leaseNodes = 0;
    let most = 0;
    const violations: string[] = [];
    // A holder keeps its lease while others wait, until a waiter is seen queued with its lease node made
    // while the semaphore is full: a semaphore that let one lease too many through would be caught then.
    let changed: Array<() => void> = [];
    const notify = (): void => {
      for (const wake of changed.splice(0)) wake();
    };
    const watcher = observer.watchChildren('/sem/leases');
    watcher.on('change', (change) => {
      leaseNodes = change.value?.length ?? 0;
      notify();
    });
    await watcher.ready();
    const until = async (condition: () => boolean): Promise<void> => {
      while (!condition()) await new Promise<void>((resolve) => changed.push(resolve));
    };
    const worker = async (i: number): Promise<void> => {
      const semaphore = new Semaphore(all[i]!, '/sem', { maxLeases: 3 });
      for (let round = 0; round < 25; round += 1) {
        waiting += 1;
        notify();
        const lease = await semaphore.acquire({ timeoutMs: scaled(30_000) });
        waiting -= 1;
        held += 1;
        most = Math.max(most, held);
        if (held > 3) violations.push(`${held} leases held`);
        notify();
        await until(() => waiting === 0 || (held >= 3 && leaseNodes > 3));
        held -= 1;
        notify();
        await lease.release();
      }
    };
    await Promise.all(all.map((_, i) => worker(i)));
    await watcher.close();
    changed = [];
    expect(violations).toEqual([]);
    expect(most).toBe(3);
    expect(await ephemeralsUnder(all[0]!, '/sem')).toEqual([]);
  });

  test('Curator’s layout: leases under leases/, waiters queued by a mutex under locks/', async () => {
    const [a, b] = await clients.startMany(2);
    const lease = await new Semaphore(a!, '/layout', { maxLeases: 1 }).acquire();
    expect(lease.path).toMatch(/^\/layout\/leases\/_c_[0-9a-f-]{36}-lease-\d{10}$/);
    const waiting = new Semaphore(b!, '/layout', { maxLeases: 1 }).acquire({ timeoutMs: scaled(20_000) });
    await eventually(async () => (await ephemeralsUnder(a!, '/layout')).length === 3);
    const nodes = await ephemeralsUnder(a!, '/layout');
    expect(nodes.filter((node) => node.startsWith('/layout/locks/_c_'))).toHaveLength(1);
    expect(nodes.filter((node) => node.startsWith('/layout/leases/_c_'))).toHaveLength(2);
    await lease.release();
    const next = await waiting;
    expect(await ephemeralsUnder(a!, '/layout')).toEqual([next.path]);
    await next.release();
  });

  test('several leases at once, each released on its own; tryAcquire and time-outs leave nothing', async () => {
    const [a, b] = await clients.startMany(2);
    const semaphore = new Semaphore(a!, '/many', { maxLeases: 3 });
    const two = await semaphore.acquire(2);
    expect(two).toHaveLength(2);
    expect(semaphore.isAcquired()).toBe(true);
    const other = new Semaphore(b!, '/many', { maxLeases: 3 });
    expect(await other.tryAcquire(2)).toBeNull();
    const one = (await other.tryAcquire())!;
    expect(one).not.toBeNull();
    expect(await rejection(other.acquire({ timeoutMs: scaled(300) }))).toBeInstanceOf(LockTimeoutError);
    expect(await ephemeralsUnder(a!, '/many')).toHaveLength(3);
    await two[0]!.release();
    const last: Lease = await other.acquire({ timeoutMs: scaled(5000) });
    await Promise.all([two[1]!.release(), one.release(), last.release()]);
    expect(semaphore.isAcquired()).toBe(false);
    expect(await ephemeralsUnder(a!, '/many')).toEqual([]);
  });

  test('bad input: maxLeases below 1 or not an integer, more leases than maxLeases', async () => {
    const [a] = await clients.startMany(1);
    expect(() => new Semaphore(a!, '/bad', { maxLeases: 0 })).toThrow(RangeError);
    expect(() => new Semaphore(a!, '/bad', { maxLeases: 1.5 })).toThrow(TypeError);
    expect(() => new Semaphore(a!, '/bad', undefined as never)).toThrow(TypeError);
    expect(() => new Semaphore(a!, 'bad', { maxLeases: 1 })).toThrow(TypeError);
    const semaphore = new Semaphore(a!, '/bad', { maxLeases: 2 });
    await expect(semaphore.acquire(3)).rejects.toThrow(RangeError);
    await expect(semaphore.acquire(0)).rejects.toThrow(RangeError);
    await expect(semaphore.acquire({ timeoutMs: -5 })).rejects.toThrow(RangeError);
    expect(await a!.exists('/bad')).toBeNull();
  });

  test('a waiter whose session expires starts over and still gets its lease', async () => {
    const [a, b] = await clients.startMany(2);
    const lease = await new Semaphore(a!, '/exp', { maxLeases: 1 }).acquire();
    const waiting = new Semaphore(b!, '/exp', { maxLeases: 1 }).acquire({ timeoutMs: scaled(30_000) });
    await eventually(async () => (await ephemeralsUnder(a!, '/exp')).length === 3);
    await server.expireSession(b!);
    await eventually(async () => (await ephemeralsUnder(a!, '/exp')).length === 3);
    await lease.release();
    const next = await waiting;
    expect(next.signal.aborted).toBe(false);
    expect(await ephemeralsUnder(a!, '/exp')).toEqual([next.path]);
    await next.release();
  });
});

describe('MultiLock', () => {
  test('takes every lock, of any kind, and releases them all', async () => {
    const [a, b] = await clients.startMany(2);
    const multi = new MultiLock([new Mutex(a!, '/m/one'), new SemaphoreMutex(a!, '/m/two'), new ReadWriteLock(a!, '/m/three').writeLock()]);
    const handle = await multi.acquire({ timeoutMs: scaled(5000) });
    expect(multi.isAcquired()).toBe(true);
    expect(handle.handles).toHaveLength(3);
    expect(handle.fencingTokens.every((token) => typeof token === 'bigint')).toBe(true);
    expect(await new Mutex(b!, '/m/one').tryAcquire()).toBeNull();
    await handle.release();
    expect(handle.signal.aborted).toBe(true);
    expect(multi.isAcquired()).toBe(false);
    expect(await ephemeralsUnder(a!, '/m')).toEqual([]);
  });

  test('all or nothing: when one lock is taken, the ones already held are released (one overall time-out)', async () => {
    const [a, b] = await clients.startMany(2);
    const blocker = await new Mutex(b!, '/m/c').acquire();
    const multi = new MultiLock(a!, ['/m/a', '/m/b', '/m/c']);
    const error = await rejection(multi.acquire({ timeoutMs: scaled(400) }));
    expect(error).toBeInstanceOf(LockTimeoutError);
    expect((error as LockTimeoutError).timeoutMs).toBe(scaled(400));
    expect(await ephemeralsUnder(a!, '/m')).toEqual([blocker.path]);
    expect(await multi.tryAcquire()).toBeNull();
    expect(await ephemeralsUnder(a!, '/m')).toEqual([blocker.path]);
    await blocker.release();
    expect(await multi.withLock(async (handle) => handle.handles.length)).toBe(3);
    expect(await ephemeralsUnder(a!, '/m')).toEqual([]);
  });

  test('its signal aborts when any one of its locks is lost', async () => {
    const [a, b] = await clients.startMany(2);
    const handle = await new MultiLock([new Mutex(a!, '/m/x'), new Mutex(b!, '/m/y')]).acquire();
    await server.expireSession(b!);
    expect(handle.signal.aborted).toBe(true);
    await handle.release();
  });

  test('bad input', async () => {
    const [a] = await clients.startMany(1);
    expect(() => new MultiLock([])).toThrow(RangeError);
    expect(() => new MultiLock([{} as never])).toThrow(TypeError);
    expect(() => new MultiLock(a!, ['/ok', 'not/absolute'])).toThrow(TypeError);
    await expect(new MultiLock(a!, ['/ok']).acquire({ timeoutMs: -1 })).rejects.toThrow(RangeError);
  });
});
