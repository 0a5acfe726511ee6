/** Unique ids against a real server: 8 clients × 1,000 ids, all unique, with both generators. */
import type { ZkClient } from '../../../src/client';
import { CorruptIdCounterError, IdBlockAllocator, NamingTimeoutError, SequentialIdGenerator } from '../../../src/recipes/naming';
import { Clients } from '../../helpers/clients';
import { sharedServer } from '../../helpers/shared-server';

const server = sharedServer();
const clients = new Clients(() => server.connectString, { prefix: 'naming' });

beforeEach(() => clients.renew());
afterEach(() => clients.closeAll());

/** `perClient` ids from each client, with `inFlight` calls at a time per client. */
async function collect<T>(all: ZkClient[], make: (client: ZkClient) => { next(): Promise<T> }, perClient: number, inFlight: number): Promise<T[]> {
  const lists = await Promise.all(
    all.map(async (client) => {
      const generator = make(client);
      const ids: T[] = [];
      await Promise.all(
        Array.from({ length: inFlight }, async () => {
          while (ids.length < perClient) {
            const reserved = ids.push(undefined as T) - 1;
            ids[reserved] = await generator.next();
          }
        }),
      );
      return ids;
    }),
  );
  return lists.flat();
}

test('IdBlockAllocator: 8 clients × 1,000 ids, all unique; the counter is an 8-byte big-endian number', async () => {
  const all = await clients.startMany(8);
  const ids = await collect(all, (client) => new IdBlockAllocator(client, '/ids/orders', { blockSize: 64 }), 1000, 4);
  expect(ids).toHaveLength(8000);
  expect(new Set(ids).size).toBe(8000);
  expect(ids.every((id) => typeof id === 'bigint' && id >= 0n)).toBe(true);
  const { data } = await all[0]!.getData('/ids/orders');
  expect(data).toHaveLength(8);
  // Every block reserved (16 per client, 1000 ids in blocks of 64) was added to the counter exactly once.
  expect(data.readBigInt64BE()).toBe(8n * 16n * 64n);
});

test('SequentialIdGenerator: 8 clients × 1,000 ids, all unique, no node left behind', async () => {
  const all = await clients.startMany(8);
  const ids = await collect(all, (client) => new SequentialIdGenerator(client, '/ids/seq'), 1000, 8);
  expect(ids).toHaveLength(8000);
  expect(new Set(ids).size).toBe(8000);
  // A client's requests are applied in order: once each has read after its own (background) deletes, the
  // server has applied them all.
  await Promise.all(all.map((client) => client.getChildren('/ids/seq')));
  expect((await all[0]!.getChildren('/ids/seq')).children).toEqual([]);
});

test('IdBlockAllocator continues a Curator DistributedAtomicLong counter, and refuses one it cannot read', async () => {
  const client = await clients.start();
  const start = Buffer.alloc(8);
  start.writeBigInt64BE(5000n);
  await client.create('/ids/existing', start, { createParents: true });
  const allocator = new IdBlockAllocator(client, '/ids/existing', { blockSize: 10 });
  expect(await allocator.next()).toBe(5000n);
  expect(await allocator.next()).toBe(5001n);
  expect((await client.getData('/ids/existing')).data.readBigInt64BE()).toBe(5010n);

  await client.create('/ids/corrupt', 'abc');
  await expect(new IdBlockAllocator(client, '/ids/corrupt').next()).rejects.toBeInstanceOf(CorruptIdCounterError);
  expect((await client.getData('/ids/corrupt')).data.toString()).toBe('abc');
  await expect(new IdBlockAllocator(client, '/ids/t').next({ timeoutMs: 0 })).rejects.toBeInstanceOf(NamingTimeoutError);
});

test('bad options are refused naming the option', async () => {
  const client = await clients.start();
  expect(() => new IdBlockAllocator(client, '/ids', { blockSize: 0 })).toThrow(RangeError);
  expect(() => new IdBlockAllocator(client, '/ids', { blockSize: 1.5 })).toThrow(/blockSize/);
  expect(() => new IdBlockAllocator(client, 'ids')).toThrow(TypeError);
  expect(() => new SequentialIdGenerator(client, '/ids', { prefix: 'a/b' })).toThrow(/prefix/);
  expect(() => new SequentialIdGenerator(undefined as never, '/ids')).toThrow(/client/);
});
