/** AtomicCounter against a real server: 8 clients × 500 increments, Curator's semantics and bytes, bad input. */
import { AtomicCounter, InvalidValueError } from '../../../src/recipes/config';
import { Clients } from '../../helpers/clients';
import { sharedServer } from '../../helpers/shared-server';

const server = sharedServer();
const clients = new Clients(() => server.connectString, { prefix: 'counter' });

beforeEach(() => clients.renew());
afterEach(() => clients.closeAll());

test('8 clients × 500 increments of one counter count exactly 4,000: no update lost, none applied twice', async () => {
  const racers = await clients.startMany(8);
  const seen = new Set<bigint>();
  let failed = 0;
  let promoted = 0;
  await Promise.all(
    racers.map(async (client) => {
      const counter = new AtomicCounter(client, '/stats/hits', {
        retry: { maxTries: 3 },
        promoteToLock: { path: '/stats/hits-lock', retry: { maxTries: 10 } },
      });
      for (let done = 0; done < 500; ) {
        const result = await counter.increment();
        if (result.stats.promotedTries > 0) promoted += 1;
        if (!result.succeeded) {
          // Writers still in their optimistic phase can beat one under the lock (as in Curator): nothing was
          // written, and the caller tries again.
          failed += 1;
          expect(result.postValue).toBe(result.preValue);
          continue;
        }
        done += 1;
        expect(result.postValue).toBe(result.preValue + 1n);
        // Independent check: every successful increment moved the counter to a value nobody else got.
        expect(seen.has(result.postValue)).toBe(false);
        seen.add(result.postValue);
      }
    }),
  );
  const { data } = await racers[0]!.getData('/stats/hits');
  expect(data.length).toBe(8);
  expect(data.readBigInt64BE(0)).toBe(4000n);
  expect(seen.size).toBe(4000);
  expect(Math.max(...[...seen].map(Number))).toBe(4000);
  expect(promoted).toBeGreaterThan(0); // the contention did reach the lock
  expect(failed).toBeLessThanOrEqual(promoted); // every failure had gone through the lock first
});

test('without promotion, a contended increment may fail and then wrote nothing', async () => {
  const racers = await clients.startMany(4);
  let succeeded = 0;
  await Promise.all(
    racers.map(async (client) => {
      const counter = new AtomicCounter(client, '/stats/tight', { retry: { maxTries: 1 } });
      for (let i = 0; i < 50; i += 1) {
        const result = await counter.increment();
        if (result.succeeded) succeeded += 1;
        else expect(result.postValue).toBe(result.preValue);
        expect(result.stats.optimisticTries).toBe(1);
      }
    }),
  );
  const { postValue } = await new AtomicCounter(racers[0]!, '/stats/tight').get();
  expect(postValue).toBe(BigInt(succeeded));
});

test("Curator's semantics: missing is 0, compareAndSet, trySet, initialize, forceSet, add/subtract, 64-bit wrap", async () => {
  const client = await clients.start();
  const counter = new AtomicCounter(client, '/a/b/counter');
  expect(await counter.get()).toMatchObject({ succeeded: true, preValue: 0n, postValue: 0n });
  expect((await counter.compareAndSet(0, 5)).succeeded).toBe(false); // a missing node never matches
  expect(await counter.initialize(10)).toBe(true);
  expect(await counter.initialize(11)).toBe(false);
  expect(await counter.compareAndSet(10n, 12n)).toMatchObject({ succeeded: true, preValue: 10n, postValue: 12n });
  expect(await counter.compareAndSet(10n, 13n)).toMatchObject({ succeeded: false, preValue: 12n, postValue: 12n });
  expect(await counter.add(30)).toMatchObject({ succeeded: true, preValue: 12n, postValue: 42n });
  expect(await counter.subtract(2n)).toMatchObject({ postValue: 40n });
  expect(await counter.decrement()).toMatchObject({ postValue: 39n });
  expect(await counter.trySet(-7)).toMatchObject({ succeeded: true, preValue: 39n, postValue: -7n });
  await counter.forceSet(2n ** 63n - 1n);
  expect(await counter.increment()).toMatchObject({ postValue: -(2n ** 63n) }); // as Java's long overflows
  expect((await client.getData('/a/b/counter')).data).toEqual(Buffer.from([0x80, 0, 0, 0, 0, 0, 0, 0]));
  await client.setData('/a/b/counter', Buffer.alloc(0));
  expect((await counter.get()).preValue).toBe(0n); // an empty node is 0, as Curator reads it
  await new AtomicCounter(client, '/fresh/counter').forceSet(3);
  expect((await client.getData('/fresh/counter')).data).toEqual(Buffer.from([0, 0, 0, 0, 0, 0, 0, 3]));
});

test('bad input: corrupt bytes reject with InvalidValueError; wrong argument and option types fail fast', async () => {
  const client = await clients.start();
  await client.create('/corrupt', Buffer.from([1, 2, 3]));
  const corrupt = new AtomicCounter(client, '/corrupt');
  const error = await corrupt.increment().catch((e: unknown) => e);
  expect(error).toBeInstanceOf(InvalidValueError);
  expect((error as InvalidValueError).message).toMatch(/corrupt counter \(010203\)/);
  expect((await client.getData('/corrupt')).data).toEqual(Buffer.from([1, 2, 3]));

  const counter = new AtomicCounter(client, '/ok');
  await expect(counter.add(1.5)).rejects.toThrow(/delta must be a safe integer/);
  await expect(counter.add('1' as never)).rejects.toThrow(TypeError);
  await expect(counter.trySet(2n ** 64n)).rejects.toThrow(RangeError);
  await expect(counter.get({ timeoutMs: -1 })).rejects.toThrow(/timeoutMs/);
  expect(() => new AtomicCounter(client, '/ok', { retry: { maxTries: 0 } })).toThrow(/retry.maxTries must be between 1/);
  expect(() => new AtomicCounter(client, '/ok', { retry: { maxTries: 'x' as never } })).toThrow(TypeError);
  expect(() => new AtomicCounter(client, '/ok', { promoteToLock: { path: 'lock' } })).toThrow(/promoteToLock.path/);
  expect(() => new AtomicCounter({} as never, '/ok')).toThrow(/client must be a ZooKeeperClient/);
});
