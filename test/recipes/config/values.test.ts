/** ConfigCache, SharedValue and SharedCount against a real server: typed values, bad input, CAS races. */
import { isZkError, type ZkClient } from '../../../src/client';
import { ConfigCache, InvalidValueError, SharedCount, SharedValue, type ValueChange } from '../../../src/recipes/config';
import { Clients } from '../../helpers/clients';
import { sharedServer } from '../../helpers/shared-server';
import { next } from './support';

const server = sharedServer();
const clients = new Clients(() => server.connectString, { prefix: 'values' });
const recipes: Array<{ close(): Promise<void> }> = [];

function track<R extends { close(): Promise<void> }>(recipe: R): R {
  recipes.push(recipe);
  return recipe;
}

beforeEach(() => clients.renew());
afterEach(async () => {
  await Promise.all(recipes.splice(0).map((r) => r.close()));
  await clients.closeAll();
});

interface Limits {
  maxConnections: number;
}
const validLimits = (v: Limits): boolean => typeof v === 'object' && v !== null && Number.isInteger(v.maxConnections) && v.maxConnections > 0;

function limitsCache(client: ZkClient): ConfigCache<Limits> {
  return track(new ConfigCache<Limits>(client, '/config/limits', { validate: validLimits, defaultValue: { maxConnections: 1 } }));
}

test('ConfigCache: default while missing, typed values with old and new, set() with and without a version', async () => {
  const [client, operator] = await clients.startMany(2);
  const cache = limitsCache(client!);
  await cache.start();
  expect(cache.get()).toEqual({ maxConnections: 1 });
  const changes: Array<ValueChange<Limits>> = [];
  cache.on('change', (c) => changes.push(c));

  const admin = limitsCache(operator!);
  await admin.start();
  const stat = await admin.set({ maxConnections: 10 });
  expect(admin.get()).toEqual({ maxConnections: 10 }); // the writer sees its own write at once
  await cache.waitFor((v) => v?.value.maxConnections === 10);
  // eslint-disable-next-line @typescript-eslint/no-unsafe-assignment -- jest's asymmetric matchers are typed any
  expect(changes[0]).toEqual({ value: { maxConnections: 10 }, previous: { maxConnections: 1 }, stat: expect.objectContaining({ version: 0 }), resync: false });
  expect(stat.version).toBe(0);

  await admin.set({ maxConnections: 20 }, { version: 0 });
  await expect(admin.set({ maxConnections: 30 }, { version: 0 })).rejects.toMatchObject({ code: 'BAD_VERSION' });
  await cache.waitFor((v) => v?.value.maxConnections === 20);
  await operator!.delete('/config/limits');
  await cache.waitFor((v) => v === undefined);
  expect(cache.get()).toEqual({ maxConnections: 1 });
  expect(changes.map((c) => c.value?.maxConnections)).toEqual([10, 20, 1]);
});

test('ConfigCache: invalid JSON and validation failures are reported and the last valid value kept', async () => {
  const [client, operator] = await clients.startMany(2);
  await operator!.create('/config', '');
  await operator!.create('/config/limits', JSON.stringify({ maxConnections: 5 }));
  const cache = limitsCache(client!);
  await cache.start();
  expect(cache.get()).toEqual({ maxConnections: 5 });

  const badJson = next<InvalidValueError>(cache, 'invalid');
  await operator!.setData('/config/limits', '{ not json');
  const error = await badJson;
  expect(error).toBeInstanceOf(InvalidValueError);
  expect(error).toMatchObject({ path: '/config/limits', version: 1 });
  expect(error.raw?.toString()).toBe('{ not json');
  expect(error.message).toMatch(/cannot be decoded/);
  expect(cache.get()).toEqual({ maxConnections: 5 });

  const refused = next<InvalidValueError>(cache, 'invalid');
  await operator!.setData('/config/limits', JSON.stringify({ maxConnections: -1 }));
  expect((await refused).message).toMatch(/failed validation/);
  expect(cache.get()).toEqual({ maxConnections: 5 });

  // A validator that throws: its error becomes the cause.
  const strict = track(
    new ConfigCache<Limits>(client!, '/config/limits', {
      validate: () => {
        throw new Error('schema says no');
      },
    }),
  );
  const thrown = next<InvalidValueError>(strict, 'invalid');
  await strict.start();
  expect(((await thrown).cause as Error).message).toBe('schema says no');
  expect(strict.get()).toBeUndefined();

  // set() refuses an invalid value before sending it; the node keeps what it had.
  await expect(cache.set({ maxConnections: 0 })).rejects.toBeInstanceOf(InvalidValueError);
  await expect(cache.set({ maxConnections: 1n } as never)).rejects.toThrow(/cannot be encoded/);
  expect((await operator!.getData('/config/limits')).data.toString()).toBe(JSON.stringify({ maxConnections: -1 }));

  await operator!.setData('/config/limits', JSON.stringify({ maxConnections: 7 }));
  await cache.waitFor((v) => v?.value.maxConnections === 7);
  expect(cache.get()).toEqual({ maxConnections: 7 });
});

test('option checks name the option (TypeError, RangeError); constructors do no I/O', () => {
  const client = clients.make();
  expect(() => new ConfigCache(client, '/c', { codec: {} as never })).toThrow(/codec must be an object with encode/);
  expect(() => new ConfigCache(client, '/c', { validate: 'yes' as never })).toThrow(/validate must be a function/);
  expect(() => new ConfigCache(client, 'c')).toThrow(TypeError);
  expect(() => new SharedCount(client, '/c', { seedValue: 1.5 })).toThrow(/SharedCount: seedValue must be an integer/);
  expect(() => new SharedCount(client, '/c', { seedValue: 2 ** 31 })).toThrow(RangeError);
  expect(() => new SharedValue(client, '/c', { seedValue: 'text' as never })).toThrow(/must be a Buffer/);
  expect(client.state).toBe('latent');
});

test('SharedValue: seeded on start, trySet is a compare-and-set on the version', async () => {
  const [a, b] = await clients.startMany(2);
  const va = track(new SharedValue(a!, '/shared/value', { seedValue: Buffer.from('seed') }));
  const vb = track(new SharedValue(b!, '/shared/value', { seedValue: Buffer.from('other seed') }));
  await va.start();
  await vb.start();
  expect(va.value?.toString()).toBe('seed');
  expect(vb.versioned()).toEqual({ value: Buffer.from('seed'), version: 0 });

  expect(await va.trySet(Buffer.from('a1'), 0)).toBe(true);
  expect(va.versioned()).toEqual({ value: Buffer.from('a1'), version: 1 });
  expect(await vb.trySet(Buffer.from('b1'), 0)).toBe(false);
  await vb.waitFor((v) => v?.version === 1);
  expect(await vb.trySet(Buffer.from('b1'), 1)).toBe(true);
  await expect(vb.trySet(Buffer.from('x'), -1)).rejects.toThrow(TypeError);
  await vb.set(Buffer.from('forced'));
  await va.waitFor((v) => v?.value.toString() === 'forced');
});

test('SharedCount: 4-byte big-endian in the node; bytes of another length are invalid; CAS races lose no update', async () => {
  const racers = await clients.startMany(6);
  const counts = racers.map((client) => track(new SharedCount(client, '/shared/count', { seedValue: 0 })));
  await Promise.all(counts.map((c) => c.start()));
  expect((await racers[0]!.getData('/shared/count')).data).toEqual(Buffer.from([0, 0, 0, 0]));

  // Every racer adds 1 twenty times, each by CAS on the version it saw (re-reading the cache after a loss).
  const perRacer = 20;
  let lost = 0;
  await Promise.all(
    counts.map(async (count) => {
      for (let done = 0; done < perRacer; ) {
        const { value, version } = count.versioned()!;
        if (await count.trySet(value + 1, version)) done += 1;
        else {
          lost += 1;
          await count.waitFor((now) => now !== undefined && now.version > version); // the cache catches up by itself
        }
      }
    }),
  );
  const { data } = await racers[0]!.getData('/shared/count');
  expect(data.readInt32BE(0)).toBe(counts.length * perRacer);
  expect(data.length).toBe(4);
  expect(lost).toBeGreaterThan(0); // they did race

  const invalid = next<InvalidValueError>(counts[1]!, 'invalid');
  await racers[0]!.setData('/shared/count', Buffer.from([1, 2, 3]));
  expect((await invalid).message).toMatch(/a count is 4 bytes/);
  expect(counts[1]!.count).toBe(counts.length * perRacer);
  await counts[0]!.set(-5);
  await counts[1]!.waitFor((v) => v?.value === -5);
  expect((await racers[0]!.getData('/shared/count')).data).toEqual(Buffer.from([0xff, 0xff, 0xff, 0xfb]));
  const error = await counts[0]!.set(2 ** 31).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(InvalidValueError);
  expect(isZkError(error)).toBe(false);
});
