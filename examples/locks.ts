/**
 * Distributed locks, end to end, against an embedded ZooKeeper: two "services" share a Mutex and fence
 * their writes to an external store with the lock's fencing token; one of them loses its session while
 * holding the lock, is told through `signal`, and its late write is refused by the store. Then a
 * read-write lock and a semaphore. Run it with `npx tsx examples/locks.ts`.
 */
import { Mutex, ReadWriteLock, Semaphore, ZkClient, type LockHandle } from '../src';
import { TestingServer } from '../src/testing';

function log(who: string, message: string): void {
  console.log(`${new Date().toISOString().slice(11, 23)} [${who}] ${message}`);
}

/** An external store that keeps the largest fencing token it has seen and refuses older ones. */
class FencedStore {
  private highest = -1n;
  readonly rows: string[] = [];

  write(row: string, token: bigint): void {
    if (token < this.highest) throw new Error(`refused "${row}": token ${token} < ${this.highest}`);
    this.highest = token;
    this.rows.push(row);
  }
}

async function main(): Promise<void> {
  const server = await TestingServer.start();
  const connect = (): Promise<ZkClient> => ZkClient.connect({ connectString: server.connectString, namespace: 'example', sessionTimeoutMs: 3000 });
  const [billingA, billingB] = await Promise.all([connect(), connect()]);
  const store = new FencedStore();
  try {
    // 1. Two services, one lock: run code under it, fenced.
    const work = (who: string, client: ZkClient) =>
      new Mutex(client, '/locks/invoices').withLock(async ({ fencingToken }) => {
        log(who, `holds the lock (token ${fencingToken})`);
        store.write(`${who}: invoice run`, fencingToken);
      });
    await Promise.all([work('A', billingA), work('B', billingB)]);

    // 2. A holder loses its session (here: the server expires it, as after a long GC pause).
    const stale: LockHandle = await new Mutex(billingA, '/locks/invoices').acquire();
    stale.signal.addEventListener('abort', () => log('A', `told: ${(stale.signal.reason as Error).message}`));
    await server.expireSession(billingA);
    await new Mutex(billingB, '/locks/invoices').withLock(async ({ fencingToken }) => {
      log('B', `took over (token ${fencingToken})`);
      store.write('B: invoice run', fencingToken);
    });
    try {
      store.write('A: late write', stale.fencingToken); // what a paused holder would do on waking up
    } catch (error) {
      log('store', (error as Error).message);
    }
    await stale.release(); // harmless: the node went with the session

    // 3. Readers share, a writer is alone.
    const catalogA = new ReadWriteLock(billingA, '/locks/catalog');
    const catalogB = new ReadWriteLock(billingB, '/locks/catalog');
    const [r1, r2] = await Promise.all([catalogA.readLock().acquire(), catalogB.readLock().acquire()]);
    log('catalog', 'two readers at once');
    const writing = catalogB.writeLock().withLock(() => log('catalog', 'the writer, alone'));
    await Promise.all([r1.release(), r2.release()]);
    await writing;

    // 4. At most two exports at a time.
    const exportsA = new Semaphore(billingA, '/limits/exports', { maxLeases: 2 });
    const leases = await exportsA.acquire(2);
    log('exports', `holding ${leases.length} of 2 leases; a third: ${(await new Semaphore(billingB, '/limits/exports', { maxLeases: 2 }).tryAcquire()) === null ? 'refused' : 'granted'}`);
    await Promise.all(leases.map((lease) => lease.release()));

    log('store', `rows: ${JSON.stringify(store.rows)}`);
  } finally {
    await Promise.all([billingA.close(), billingB.close()]);
    await server.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
