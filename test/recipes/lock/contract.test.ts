/**
 * The contract every exclusive lock keeps, run against each kind (Mutex, SemaphoreMutex, the write half of a
 * ReadWriteLock) on a real server: exclusion, FIFO hand-over, fencing, time-outs and aborts that leave
 * nothing behind, loss signals under both policies, guarded transactions, and bad input.
 */
import { isZkError, type ZkClient } from '../../../src/client';
import type { ZooKeeperClient } from '../../../src/client/types';
import { LockTimeoutError, Mutex, ReadWriteLock, SemaphoreMutex, type Lock, type LockHandle, type LockOptions } from '../../../src/recipes/lock';
import { HoldLostError, RecipeStateError } from '../../../src/recipes/shared/errors';
import { TestingProxy } from '../../../src/testing';
import { eventually, scaled, waitForState } from '../../helpers';
import { Clients } from '../../helpers/clients';
import { sharedServer } from '../../helpers/shared-server';
import { ephemeralsUnder, rejection } from './support';

type Factory = (client: ZooKeeperClient, path: string, options?: LockOptions) => Lock<LockHandle>;
/** How many ephemeral nodes a holder and `waiters` waiters have under the lock's path. */
type NodeCount = (waiters: number) => number;

const oneEach: NodeCount = (waiters) => 1 + waiters;
/** The first waiter of a semaphore holds its queue mutex and has made its lease node: two nodes. */
const semaphoreNodes: NodeCount = (waiters) => (waiters === 0 ? 1 : 2 + waiters);

const kinds: Array<[string, Factory, NodeCount]> = [
  ['Mutex', (client, path, options) => new Mutex(client, path, options), oneEach],
  ['SemaphoreMutex', (client, path, options) => new SemaphoreMutex(client, path, options), semaphoreNodes],
  ['ReadWriteLock.writeLock()', (client, path, options) => new ReadWriteLock(client, path, options).writeLock(), oneEach],
];

const server = sharedServer();
const clients = new Clients(() => server.connectString, { prefix: 'lock' });
const proxies: TestingProxy[] = [];

beforeEach(() => clients.renew());
afterEach(async () => {
  await clients.closeAll();
  await Promise.all(proxies.splice(0).map((proxy) => proxy.close()));
});

describe.each(kinds)('%s', (_kind, make, nodes) => {
  /** Resolves once the holder and `waiters` waiters have their nodes under `path` (so the order is known). */
  async function queued(client: ZooKeeperClient, path: string, waiters: number): Promise<void> {
    await eventually(async () => (await ephemeralsUnder(client, path)).length === nodes(waiters));
  }

  test('one holder at a time; release hands over; nothing is left behind', async () => {
    const [a, b] = await clients.startMany(2);
    const lockA = make(a!, '/locks/x');
    const lockB = make(b!, '/locks/x');
    const held = await lockA.acquire();
    expect(lockA.isAcquired()).toBe(true);
    expect(held.signal.aborted).toBe(false);
    expect(typeof held.fencingToken).toBe('bigint');
    expect(held.path).toMatch(/^\/locks\/x\/(leases\/)?_c_[0-9a-f-]{36}-(lock-|__WRIT__|lease-)\d{10}$/);
    expect(await lockB.tryAcquire()).toBeNull();
    expect(lockB.isAcquired()).toBe(false);

    await held.release();
    expect(held.signal.aborted).toBe(true);
    expect(lockA.isAcquired()).toBe(false);
    await held.release(); // idempotent

    const next = await lockB.tryAcquire();
    expect(next).not.toBeNull();
    expect(next!.fencingToken).toBeGreaterThan(held.fencingToken);
    await next!.release();
    expect(await ephemeralsUnder(a!, '/locks/x')).toEqual([]);
  });

  test('waiters are served in arrival order, each with a larger fencing token', async () => {
    const all = await clients.startMany(4);
    const locks = all.map((client) => make(client, '/fifo'));
    const first = await locks[0]!.acquire();
    const order: number[] = [];
    const tokens: bigint[] = [first.fencingToken];
    const waiting: Array<Promise<void>> = [];
    for (let i = 1; i < locks.length; i += 1) {
      waiting.push(
        locks[i]!.acquire({ timeoutMs: scaled(30_000) }).then(async (handle) => {
          order.push(i);
          tokens.push(handle.fencingToken);
          await handle.release();
        }),
      );
      await queued(all[0]!, '/fifo', i);
    }
    await first.release();
    await Promise.all(waiting);
    expect(order).toEqual([1, 2, 3]);
    for (let i = 1; i < tokens.length; i += 1) expect(tokens[i]!).toBeGreaterThan(tokens[i - 1]!);
  });

  test('a time-out rejects with LockTimeoutError and deletes the waiter’s node', async () => {
    const [a, b] = await clients.startMany(2);
    const held = await make(a!, '/t').acquire();
    const error = await rejection(make(b!, '/t').acquire({ timeoutMs: scaled(300) }));
    expect(error).toBeInstanceOf(LockTimeoutError);
    expect((error as LockTimeoutError).timeoutMs).toBe(scaled(300));
    expect((error as LockTimeoutError).path).toBe('/t');
    expect(await ephemeralsUnder(a!, '/t')).toEqual([held.path]);
    // timeoutMs: 0 checks once, like tryAcquire, and leaves nothing either
    expect(await rejection(make(b!, '/t').acquire({ timeoutMs: 0 }))).toBeInstanceOf(LockTimeoutError);
    expect(await make(b!, '/t').tryAcquire()).toBeNull();
    expect(await ephemeralsUnder(a!, '/t')).toEqual([held.path]);
    await held.release();
  });

  test('an abort rejects with the signal’s reason and deletes the waiter’s node', async () => {
    const [a, b] = await clients.startMany(2);
    const held = await make(a!, '/ab').acquire();
    const controller = new AbortController();
    const waiting = make(b!, '/ab').acquire({ signal: controller.signal });
    await queued(a!, '/ab', 1);
    const reason = new Error('shutting down');
    controller.abort(reason);
    expect(await rejection(waiting)).toBe(reason);
    expect(await ephemeralsUnder(a!, '/ab')).toEqual([held.path]);
    // already aborted: rejects without creating anything
    expect(await rejection(make(b!, '/ab2').acquire({ signal: controller.signal }))).toBe(reason);
    expect(await ephemeralsUnder(a!, '/ab2')).toEqual([]);
    await held.release();
  });

  test('withLock releases when the function throws; await using releases at the end of the block', async () => {
    const [a] = await clients.startMany(1);
    const lock = make(a!, '/w');
    await expect(
      lock.withLock(() => {
        expect(lock.isAcquired()).toBe(true);
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(lock.isAcquired()).toBe(false);
    expect(await lock.withLock(async (handle) => handle.fencingToken > 0n)).toBe(true);
    {
      await using handle = await lock.acquire();
      expect(handle.signal.aborted).toBe(false);
      expect(lock.isAcquired()).toBe(true);
    }
    expect(lock.isAcquired()).toBe(false);
    expect(await ephemeralsUnder(a!, '/w')).toEqual([]);
  });

  test('guardedTransaction commits while held and fails once the lock node is gone', async () => {
    const [a, b] = await clients.startMany(2);
    await a!.create('/data', 'v0');
    const held = await make(a!, '/g').acquire();
    await held.guardedTransaction().setData('/data', 'v1').commit();
    expect((await b!.getData('/data')).data.toString()).toBe('v1');

    const renewed = waitForState(a!, 'reconnected', (info) => info.sessionChanged === true);
    await server.expireSession(a!);
    await renewed;
    expect(held.signal.aborted).toBe(true);
    const next = await make(b!, '/g').acquire({ timeoutMs: scaled(20_000) });
    const failed = await rejection(held.guardedTransaction().setData('/data', 'stale').commit());
    expect(isZkError(failed, 'NO_NODE')).toBe(true);
    expect((await b!.getData('/data')).data.toString()).toBe('v1');
    await held.release(); // the node is long gone: fine
    expect(() => held.guardedTransaction()).toThrow(RecipeStateError);
    await next.release();
  });

  test('a holder whose session expires is told at once, and the next holder gets a larger token', async () => {
    const [a, b] = await clients.startMany(2);
    const lockA = make(a!, '/exp');
    const held = await lockA.acquire();
    const waiting = make(b!, '/exp').acquire({ timeoutMs: scaled(20_000) });
    await queued(a!, '/exp', 1);
    const aborted = new Promise((resolve) => held.signal.addEventListener('abort', resolve));
    const renewed = waitForState(a!, 'reconnected', (info) => info.sessionChanged === true);
    await server.expireSession(a!);
    await aborted;
    expect(lockA.isAcquired()).toBe(false);
    const next = await waiting;
    expect(next.fencingToken).toBeGreaterThan(held.fencingToken);
    // The old holder comes back in a new session: it does not hold the lock there.
    await renewed;
    expect(await lockA.tryAcquire()).toBeNull();
    await held.release();
    await next.release();
  });

  test('standard policy: the signal aborts at suspended; session policy: it survives a reconnect', async () => {
    const proxy = await TestingProxy.start(server.connectString);
    proxies.push(proxy);
    const client = await clients.start({ connectString: proxy.connectString, sessionTimeoutMs: 6000 });
    const standard = await make(client, '/p1').acquire();
    const session = await make(client, '/p2', { policy: 'session' }).acquire();
    proxy.cut();
    await waitForState(client, 'reconnected', (info) => info.sessionChanged === false);
    expect(standard.signal.aborted).toBe(true);
    expect((standard.signal.reason as HoldLostError).reason).toBe('suspended');
    expect(session.signal.aborted).toBe(false);
    // Both nodes are still there: the standard holder must release (it was only told it may not be sure).
    expect(await ephemeralsUnder(client, '/p1')).toEqual([standard.path]);
    await standard.release();
    await session.release();
    expect(await ephemeralsUnder(client, '/p2')).toEqual([]);
  });

  test('bad input fails before anything is created', async () => {
    const [a] = await clients.startMany(1);
    expect(() => make(a!, 'relative')).toThrow(TypeError);
    expect(() => make(a!, '/trailing/')).toThrow(TypeError);
    expect(() => make(a!, '/a//b')).toThrow(TypeError);
    expect(() => make(a!, '/x', { policy: 'sometimes' as never })).toThrow(RangeError);
    const lock = make(a!, '/bad');
    await expect(lock.acquire({ timeoutMs: -1 })).rejects.toThrow(RangeError);
    await expect(lock.acquire({ timeoutMs: 'soon' as never })).rejects.toThrow(TypeError);
    await expect(lock.acquire({ signal: {} as never })).rejects.toThrow(TypeError);
    await expect(lock.withLock(undefined as never)).rejects.toThrow(TypeError);
    expect(await a!.exists('/bad')).toBeNull();
  });
});

test('a closed client fails an acquisition with CLIENT_CLOSED', async () => {
  const client: ZkClient = await clients.start();
  await client.close();
  const error = await rejection(new Mutex(client, '/closed').acquire());
  expect(isZkError(error, 'CLIENT_CLOSED')).toBe(true);
});
