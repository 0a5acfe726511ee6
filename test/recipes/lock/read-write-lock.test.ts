/** ReadWriteLock on a real server: readers share, writers are alone and not starved, downgrade, no upgrade. */
import { ReadWriteLock, type LockHandle } from '../../../src/recipes/lock';
import { RecipeStateError } from '../../../src/recipes/shared/errors';
import { eventually, scaled } from '../../helpers';
import { Clients } from '../../helpers/clients';
import { sharedServer } from '../../helpers/shared-server';
import { ephemeralsUnder, observe, rejection } from './support';

const server = sharedServer();
const clients = new Clients(() => server.connectString, { prefix: 'lock' });

beforeEach(() => clients.renew());
afterEach(() => clients.closeAll());

async function nodes(client: Parameters<typeof ephemeralsUnder>[0], count: number): Promise<void> {
  await eventually(async () => (await ephemeralsUnder(client, '/rw')).length === count);
}

test('readers hold together; a writer waits for all of them and gets a larger token', async () => {
  const all = await clients.startMany(4);
  const readers = await Promise.all(all.slice(0, 3).map((client) => new ReadWriteLock(client, '/rw').readLock().acquire({ timeoutMs: scaled(5000) })));
  for (const reader of readers) expect(reader.path).toMatch(/\/rw\/_c_[0-9a-f-]{36}-__READ__\d{10}$/);
  const writer = new ReadWriteLock(all[3]!, '/rw').writeLock();
  expect(await writer.tryAcquire()).toBeNull();
  const writing = writer.acquire({ timeoutMs: scaled(20_000) });
  await nodes(all[0]!, 4);
  await readers[0]!.release();
  await readers[2]!.release();
  expect(await new ReadWriteLock(all[0]!, '/rw').writeLock().tryAcquire()).toBeNull();
  await readers[1]!.release();
  const held = await writing;
  expect(held.path).toMatch(/__WRIT__\d{10}$/);
  for (const reader of readers) expect(held.fencingToken).toBeGreaterThan(reader.fencingToken);
  await held.release();
});

test('a writer keeps readers out, and a waiting writer keeps later readers out too (no writer starvation)', async () => {
  const [a, b, c] = await clients.startMany(3);
  const first = await new ReadWriteLock(a!, '/rw').readLock().acquire();
  const writing = new ReadWriteLock(b!, '/rw').writeLock().acquire({ timeoutMs: scaled(20_000) });
  await nodes(a!, 2);
  const lateReader = new ReadWriteLock(c!, '/rw').readLock();
  expect(await lateReader.tryAcquire()).toBeNull();
  const reading = lateReader.acquire({ timeoutMs: scaled(20_000) });
  await nodes(a!, 3);

  const order: string[] = [];
  const writer = writing.then((h) => (order.push('writer'), h));
  const reader = reading.then((h) => (order.push('late reader'), h));
  await first.release();
  await (await writer).release();
  await (await reader).release();
  expect(order).toEqual(['writer', 'late reader']);
});

test('a release of a writer wakes the readers right behind it, not the writer further back', async () => {
  const all = await clients.startMany(5);
  const observed = all.map((client) => observe(client));
  const lock = (i: number): ReadWriteLock => new ReadWriteLock(observed[i]!.client, '/rw');
  const writer = await lock(0).writeLock().acquire();
  const readers: Array<Promise<LockHandle>> = [];
  readers.push(lock(1).readLock().acquire({ timeoutMs: scaled(20_000) }));
  await nodes(all[0]!, 2);
  readers.push(lock(2).readLock().acquire({ timeoutMs: scaled(20_000) }));
  await nodes(all[0]!, 3);
  const secondWriter = lock(3).writeLock().acquire({ timeoutMs: scaled(20_000) });
  await nodes(all[0]!, 4);
  const lateReader = lock(4).readLock().acquire({ timeoutMs: scaled(20_000) });
  await nodes(all[0]!, 5);

  await writer.release();
  const held = await Promise.all(readers);
  expect(observed[1]!.seen.notifications).toHaveLength(1);
  expect(observed[2]!.seen.notifications).toHaveLength(1);
  expect(observed[3]!.seen.notifications).toHaveLength(0);
  expect(observed[4]!.seen.notifications).toHaveLength(0);
  await Promise.all(held.map((h) => h.release()));
  await (await secondWriter).release();
  await (await lateReader).release();
});

test('downgrade: the writer takes the read lock in its place in line, so queued writers stay behind it', async () => {
  const [a, b, c] = await clients.startMany(3);
  const rw = new ReadWriteLock(a!, '/rw');
  let reader!: LockHandle;
  let writerPath = '';
  let otherWriter!: Promise<LockHandle>;
  await rw.writeLock().withLock(async (writer) => {
    writerPath = writer.path;
    otherWriter = new ReadWriteLock(b!, '/rw').writeLock().acquire({ timeoutMs: scaled(20_000) });
    await nodes(a!, 2);
    reader = await rw.readLock().acquire({ timeoutMs: 0 }); // granted at once: we are the writer
    expect(reader.fencingToken).toBe(writer.fencingToken);
  });
  // the read node carries the writer's sequence
  expect(reader.path.slice(-10)).toBe(writerPath.slice(-10));
  expect(reader.path).toMatch(/__READ__\d{10}$/);
  expect(rw.readLock().isAcquired()).toBe(true);
  expect(rw.writeLock().isAcquired()).toBe(false);
  // the write lock is released, but the reader still keeps the queued writer out
  let readerHeld = true;
  const early: string[] = [];
  void otherWriter.then(() => {
    if (readerHeld) early.push('the queued writer got the lock while the downgraded reader held it');
  });
  expect(await new ReadWriteLock(c!, '/rw').writeLock().tryAcquire()).toBeNull();
  expect(await new ReadWriteLock(c!, '/rw').readLock().tryAcquire()).toBeNull(); // behind the queued writer
  // round trips on the queued writer's own session come after its notification of the writer's release
  for (let i = 0; i < 3; i += 1) await b!.getChildren('/rw');
  expect(early).toEqual([]);
  readerHeld = false;
  await reader.release();
  const next = await otherWriter;
  expect(next.fencingToken).toBeGreaterThan(reader.fencingToken);
  await next.release();
});

test('upgrading a read lock is refused instead of deadlocking', async () => {
  const [a] = await clients.startMany(1);
  const rw = new ReadWriteLock(a!, '/rw');
  await rw.readLock().withLock(async () => {
    expect(await rejection(rw.writeLock().acquire())).toBeInstanceOf(RecipeStateError);
  });
  expect(await ephemeralsUnder(a!, '/rw')).toEqual([]);
});

test('readers and writers of many clients: writers alone, readers only with readers', async () => {
  const all = await clients.startMany(6, { sessionTimeoutMs: 2000 });
  let readers = 0;
  let writers = 0;
  let maxReaders = 0;
  const violations: string[] = [];
  let lastWriterToken = -1n;
  const yieldOnce = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
  const worker = async (i: number): Promise<void> => {
    const rw = new ReadWriteLock(all[i]!, '/rw');
    for (let round = 0; round < 40; round += 1) {
      if ((round + i) % 3 === 0) {
        await rw.writeLock().withLock(async (handle) => {
          if (readers > 0 || writers > 0) violations.push(`writer ${i} with ${readers} readers and ${writers} writers`);
          if (handle.fencingToken <= lastWriterToken) violations.push(`writer ${i} token did not grow`);
          lastWriterToken = handle.fencingToken;
          writers += 1;
          await yieldOnce();
          writers -= 1;
        });
      } else {
        await rw.readLock().withLock(async () => {
          if (writers > 0) violations.push(`reader ${i} with a writer`);
          readers += 1;
          maxReaders = Math.max(maxReaders, readers);
          await yieldOnce();
          await yieldOnce();
          readers -= 1;
        });
      }
    }
  };
  await Promise.all(all.map((_, i) => worker(i)));
  expect(violations).toEqual([]);
  expect(maxReaders).toBeGreaterThan(1);
  expect(await ephemeralsUnder(all[0]!, '/rw')).toEqual([]);
});
