/**
 * 20 caches on 20 clients under 1,000 rapid writes: every cache ends on the final value, and no cache ever
 * reports a value older than one it reported before — checked against the writer's own record of which value
 * each write (by its mzxid) stored, not against the caches' bookkeeping.
 */
import { NodeCache } from '../../../src/recipes/config';
import { scaled } from '../../helpers';
import { Clients } from '../../helpers/clients';
import { sharedServer } from '../../helpers/shared-server';

const server = sharedServer();
const clients = new Clients(() => server.connectString, { prefix: 'burst' });

afterEach(() => clients.closeAll());

test('20 caches, 1,000 rapid writes: all end on the final value, none goes back', async () => {
  const writer = await clients.start();
  await writer.create('/value', '-1');
  // The writer's truth: which value each write's mzxid stored.
  const truth = new Map<bigint, string>([[(await writer.exists('/value'))!.mzxid, '-1']]);
  const readers = await clients.startMany(20);
  const caches = readers.map((client) => new NodeCache(client, '/value'));
  const reported = caches.map(() => [] as Array<{ mzxid: bigint; value: string }>);
  caches.forEach((cache, i) =>
    cache.on('change', ({ current }) => reported[i]!.push({ mzxid: current!.stat.mzxid, value: current!.data!.toString() })),
  );
  await Promise.all(caches.map((cache) => cache.start()));

  // Writes go 50 at a time, pipelined.
  const writes = 1000;
  for (let first = 0; first < writes; first += 50) {
    await Promise.all(
      Array.from({ length: 50 }, async (_, k) => {
        const value = String(first + k);
        truth.set((await writer.setData('/value', value)).mzxid, value);
      }),
    );
  }
  const final = await writer.getData('/value');
  expect(final.stat.version).toBe(writes);

  await Promise.all(
    caches.map((cache) => cache.waitFor((node) => node?.stat.mzxid === final.stat.mzxid, { timeoutMs: scaled(60_000) })),
  );
  for (const [i, events] of reported.entries()) {
    expect(events.length).toBeGreaterThan(0);
    for (const [k, event] of events.entries()) {
      expect(truth.get(event.mzxid)).toBe(event.value); // the value really was stored at that zxid
      if (k > 0) expect(event.mzxid).toBeGreaterThan(events[k - 1]!.mzxid); // never older, never twice
    }
    expect(caches[i]!.current!.data!.toString()).toBe(final.data.toString());
  }
  await Promise.all(caches.map((cache) => cache.close()));
});
