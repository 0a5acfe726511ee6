/**
 * Mutual exclusion under load, checked by an independent checker rather than by the locks' own state:
 * thousands of acquisitions by 8 clients (two async flows each) on one server, then the same in a 3-server
 * ensemble while servers are killed and restarted and a holder's session is expired.
 */
import { isZkError, type ZkClient } from '../../../src/client';
import { LockTimeoutError, Mutex, ReadWriteLock, SemaphoreMutex, type Lock, type LockHandle } from '../../../src/recipes/lock';
import { scaled } from '../../helpers';
import { Clients } from '../../helpers/clients';
import { sharedCluster, sharedServer } from '../../helpers/shared-server';
import { ephemeralsUnder, ExclusionChecker } from './support';

/** Lets every other pending callback run once: the holder really yields inside its critical section. */
const yieldOnce = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

interface Contest {
  locks: Array<{ name: string; lock: Lock }>;
  checker: ExclusionChecker;
  /** Workers start another round while this holds. */
  keepGoing: () => boolean;
  /** Async flows per lock object. */
  flows: number;
  /** What a holder does inside. */
  inside?: (name: string, handle: LockHandle) => Promise<void>;
  /** Acquisitions or releases that failed (a worker goes on after one). */
  failures: unknown[];
}

/** Every flow acquires, enters the checker, does `inside`, leaves, releases, and goes round again. */
async function contend({ locks, checker, keepGoing, flows, inside = yieldOnce, failures }: Contest): Promise<void> {
  const worker = async (name: string, lock: Lock): Promise<void> => {
    while (keepGoing()) {
      let handle: LockHandle;
      try {
        handle = await lock.acquire({ timeoutMs: scaled(60_000) });
      } catch (error) {
        failures.push(error);
        continue;
      }
      if (!handle.signal.aborted) {
        const stay = checker.enter(name, handle.signal, handle.fencingToken);
        await inside(name, handle);
        checker.exit(stay);
      }
      await handle.release().catch((error: unknown) => failures.push(error));
    }
  };
  await Promise.all(locks.flatMap(({ name, lock }) => Array.from({ length: flows }, (_, flow) => worker(`${name}.${flow}`, lock))));
}

describe('on one server', () => {
  const server = sharedServer();
  const clients = new Clients(() => server.connectString, { prefix: 'lock' });

  beforeEach(() => clients.renew());
  afterEach(() => clients.closeAll());

  const kinds: Array<[string, (client: ZkClient) => Lock, number]> = [
    ['Mutex', (client) => new Mutex(client, '/hot'), 2000],
    ['SemaphoreMutex', (client) => new SemaphoreMutex(client, '/hot'), 300],
    ['ReadWriteLock.writeLock()', (client) => new ReadWriteLock(client, '/hot').writeLock(), 300],
  ];

  test.each(kinds)('%s: no two holders overlap and fencing tokens grow (8 clients x 2 flows, %#)', async (_kind, make, total) => {
    const all = await clients.startMany(8, { sessionTimeoutMs: 2000 });
    const checker = new ExclusionChecker();
    const failures: unknown[] = [];
    await contend({
      locks: all.map((client, i) => ({ name: `c${i}`, lock: make(client) })),
      checker,
      keepGoing: () => checker.count < total,
      flows: 2,
      failures,
    });
    expect(checker.violations).toEqual([]);
    expect(failures).toEqual([]);
    expect(checker.count).toBeGreaterThanOrEqual(total);
    expect(checker.excluded).toBe(0);
    expect(await ephemeralsUnder(all[0]!, '/hot')).toEqual([]);
  });
});

describe('in a 3-server ensemble', () => {
  const cluster = sharedCluster({ size: 3 });
  const clients = new Clients(() => cluster.connectString, { prefix: 'lock' });

  afterEach(() => clients.closeAll());

  test('a follower and the leader killed and restarted, a holder’s session expired: no overlap, tokens grow', async () => {
    const all = await clients.startMany(8, { sessionTimeoutMs: 4000 });
    const checker = new ExclusionChecker();
    const failures: unknown[] = [];
    const locks = all.map((client, i) => ({ name: `c${i}`, client, lock: new Mutex(client, '/ha') }));
    const progress = (n: number): Promise<void> => checker.reached(checker.count + n);

    // The next holder to enter while a trap is set stays inside until the trap is sprung.
    let trap: { holder?: { name: string; handle: LockHandle }; caught: () => void; free: Promise<void> } | undefined;
    const inside = async (name: string, handle: LockHandle): Promise<void> => {
      const waiting = trap;
      if (waiting === undefined || waiting.holder !== undefined) return yieldOnce();
      waiting.holder = { name, handle };
      waiting.caught();
      await waiting.free;
    };

    let done = false;
    let free = (): void => undefined;
    const workers = contend({ locks, checker, keepGoing: () => !done, flows: 2, inside, failures });
    try {
      await progress(100);
      const leader = await cluster.waitForLeader();
      const follower = (leader + 1) % 3;
      await cluster.kill(follower);
      await progress(100);
      await cluster.restart(follower);
      await progress(100);

      await cluster.kill(leader);
      await cluster.waitForLeader({ timeoutMs: scaled(60_000) });
      await progress(100);
      await cluster.restart(leader);
      await progress(100);

      // Catch a holder inside, expire its session; the others must get the lock meanwhile, and the checker
      // must see them overlap only with a holder whose signal was aborted.
      let caught!: () => void;
      const isCaught = new Promise<void>((resolve) => (caught = resolve));
      trap = { caught, free: new Promise<void>((resolve) => (free = resolve)) };
      await isCaught;
      const victim = trap.holder!;
      await cluster.expireSession(locks.find((l) => victim.name.startsWith(`${l.name}.`))!.client);
      expect(victim.handle.signal.aborted).toBe(true);
      await progress(20);
      trap = undefined;
      free();
      await progress(100);
    } finally {
      done = true;
      trap = undefined;
      free();
      await workers;
    }
    expect(checker.violations).toEqual([]);
    expect(checker.excluded).toBeGreaterThanOrEqual(1);
    expect(checker.count).toBeGreaterThanOrEqual(620);
    // Failures while servers come and go may happen (a worker then tries again), but only of the kinds a
    // caller is told to expect: connection trouble or a time-out, never a bug.
    expect(failures.filter((error) => !isZkError(error) && !(error instanceof LockTimeoutError))).toEqual([]);
  });
});
