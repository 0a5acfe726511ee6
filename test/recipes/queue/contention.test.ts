/**
 * 4 producers × 4 consumers × 2,000 items, each on its own session, for the lock-safe DistributedQueue and
 * for SimpleDistributedQueue: every item delivered, none twice, and each consumer sees each producer's
 * items in the order they were put — judged by the independent DeliveryChecker.
 */
import { DistributedQueue, SimpleDistributedQueue } from '../../../src/recipes/queue';
import type { ZkClient } from '../../../src/client';
import { scaled } from '../../helpers';
import { Clients } from '../../helpers/clients';
import { sharedServer } from '../../helpers/shared-server';
import { DeliveryChecker, type TestItem } from './support';

const PRODUCERS = 4;
const CONSUMERS = 4;
const ITEMS = 2000;
/** Puts a producer keeps in flight: they are sent in order on its session, so the sequence keeps its order. */
const WINDOW = 32;

const server = sharedServer();
const clients = new Clients(() => server.connectString, { prefix: 'qload' });

beforeEach(() => clients.renew());
afterEach(() => clients.closeAll());

/** Runs `put` for every item of `producer` with up to WINDOW in flight, recording each once it resolved. */
async function produce(producer: number, put: (item: TestItem) => Promise<void>, checker: DeliveryChecker): Promise<void> {
  const inFlight = new Set<Promise<void>>();
  for (let index = 0; index < ITEMS; index += 1) {
    const item = { producer, index };
    const done = put(item).then(() => checker.put(item));
    inFlight.add(done);
    void done.finally(() => inFlight.delete(done));
    if (inFlight.size >= WINDOW) await Promise.race(inFlight);
  }
  await Promise.all(inFlight);
}

/** Resolves once the checker has seen `count` distinct items (checked on every delivery). */
function deliveredAll(checker: DeliveryChecker, count: number): { seen: () => void; done: Promise<void> } {
  let resolve!: () => void;
  const done = new Promise<void>((r) => (resolve = r));
  const timer = setTimeout(() => resolve(), scaled(240_000));
  return {
    seen: () => {
      if (checker.deliveredCount >= count) {
        clearTimeout(timer);
        resolve();
      }
    },
    done,
  };
}

test('lock-safe DistributedQueue: every item once, FIFO per producer', async () => {
  const checker = new DeliveryChecker();
  const all = deliveredAll(checker, PRODUCERS * ITEMS);
  const consumers = await clients.startMany(CONSUMERS);
  const producers = await clients.startMany(PRODUCERS);
  const stop = new AbortController();
  const consuming = consumers.map((client, c) =>
    new DistributedQueue<TestItem>(client, '/load').consume((item) => {
      checker.delivered(`c${c}`, item);
      all.seen();
    }, { signal: stop.signal }),
  );
  await Promise.all(producers.map((client, p) => produce(p, (item) => new DistributedQueue<TestItem>(client, '/load').put(item), checker)));
  await all.done;
  stop.abort();
  await Promise.all(consuming);
  const report = checker.report();
  expect({ ...report, missing: report.missing.length }).toEqual({ put: PRODUCERS * ITEMS, delivered: PRODUCERS * ITEMS, missing: 0, duplicates: 0, unknown: [], outOfOrder: [] });
  const admin = consumers[0] as ZkClient;
  expect((await admin.getChildren('/load')).children).toEqual([]);
  expect((await admin.getChildren('/load-locks')).children).toEqual([]);
});

test('SimpleDistributedQueue: every item once, FIFO per producer', async () => {
  const checker = new DeliveryChecker();
  const all = deliveredAll(checker, PRODUCERS * ITEMS);
  const consumers = await clients.startMany(CONSUMERS);
  const producers = await clients.startMany(PRODUCERS);
  const stop = new AbortController();
  const consuming = consumers.map(async (client, c) => {
    const queue = new SimpleDistributedQueue(client, '/simple-load');
    for (;;) {
      let data: Buffer;
      try {
        data = await queue.take({ signal: stop.signal });
      } catch (error) {
        if (stop.signal.aborted) return;
        throw error;
      }
      checker.delivered(`c${c}`, JSON.parse(data.toString()) as TestItem);
      all.seen();
    }
  });
  await Promise.all(
    producers.map((client, p) => produce(p, (item) => new SimpleDistributedQueue(client, '/simple-load').offer(Buffer.from(JSON.stringify(item))), checker)),
  );
  await all.done;
  stop.abort();
  await Promise.all(consuming);
  const report = checker.report();
  expect({ ...report, missing: report.missing.length }).toEqual({ put: PRODUCERS * ITEMS, delivered: PRODUCERS * ITEMS, missing: 0, duplicates: 0, unknown: [], outOfOrder: [] });
});
