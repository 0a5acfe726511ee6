/**
 * Queue workloads: end-to-end items/s with P producer and C consumer sessions, for SimpleDistributedQueue
 * and the lock-safe DistributedQueue. Producers keep a window of puts in flight; a consumer keeps several
 * takes (Simple) or claims (lock-safe, `consume()` with `concurrency`) in flight. `queue` is the bench-peers
 * workload (1 + 1, QUEUE_ITEMS items): one line for SimpleDistributedQueue (peer `zk-recipes`), one for the
 * lock-safe DistributedQueue (peer `zk-recipes-lock-safe`), so both show beside Curator in its table.
 */
import { setMaxListeners } from 'node:events';
import type { ZkClient as ZkClientType } from '../../src';
import { DistributedQueue, SimpleDistributedQueue } from '../library';
import type { WorkloadContext } from '../context';
import { size } from '../env';
import { serverPackets } from '../server-packets';
import { nowNs, opsPerSecond, round1 } from '../stats';

/** Puts a producer keeps in flight (sent in order on its session, so FIFO holds). */
const PUT_WINDOW = 64;
/** Takes or claims a consumer keeps in flight. */
const TAKE_CONCURRENCY = 64;

type Impl = 'simple' | 'lock-safe';

interface QueueRun {
  ops_per_s: number;
  produce_ops_per_s: number;
  srv_req_per_op: number;
}

/** Runs P producers and C consumers over `items` items in total on a fresh path; resolves with the figures. */
async function runQueue(ctx: WorkloadContext, impl: Impl, producers: number, consumers: number, items: number, path: string): Promise<QueueRun> {
  const producerClients = await Promise.all(Array.from({ length: producers }, () => ctx.connect()));
  const consumerClients = await Promise.all(Array.from({ length: consumers }, () => ctx.connect()));
  const put = (client: ZkClientType): ((i: number) => Promise<void>) => {
    if (impl === 'simple') {
      const queue = new SimpleDistributedQueue(client, path);
      return (i) => queue.offer(Buffer.from(`item-${i}`));
    }
    const queue = new DistributedQueue<string>(client, path);
    return (i) => queue.put(`item-${i}`);
  };
  let taken = 0;
  let allTaken!: () => void;
  const done = new Promise<void>((resolve) => (allTaken = resolve));
  const onItem = (): void => {
    taken += 1;
    if (taken === items) allTaken();
  };
  const stop = new AbortController();
  setMaxListeners(0, stop.signal); // every in-flight take listens to it
  const consuming = consumerClients.map(async (client) => {
    if (impl === 'lock-safe') {
      await new DistributedQueue<string>(client, path).consume(onItem, { concurrency: TAKE_CONCURRENCY, signal: stop.signal });
      return;
    }
    const queue = new SimpleDistributedQueue(client, path);
    await Promise.all(
      Array.from({ length: TAKE_CONCURRENCY }, async () => {
        while (!stop.signal.aborted) {
          try {
            await queue.take({ signal: stop.signal });
          } catch (error) {
            if (stop.signal.aborted) return;
            throw error;
          }
          onItem();
        }
      }),
    );
  });
  const p0 = await serverPackets();
  const t0 = nowNs();
  let producedAt = 0;
  await Promise.all(
    producerClients.map(async (client, p) => {
      const putItem = put(client);
      const inFlight = new Set<Promise<void>>();
      for (let i = p; i < items; i += producers) {
        const sent = putItem(i);
        inFlight.add(sent);
        void sent.finally(() => inFlight.delete(sent));
        if (inFlight.size >= PUT_WINDOW) await Promise.race(inFlight);
      }
      await Promise.all(inFlight);
    }),
  ).then(() => (producedAt = nowNs()));
  await done;
  const wall = nowNs() - t0;
  const p1 = await serverPackets();
  stop.abort();
  await Promise.all(consuming);
  await Promise.all([...producerClients, ...consumerClients].map((client) => client.close()));
  return { ops_per_s: opsPerSecond(items, wall), produce_ops_per_s: opsPerSecond(items, producedAt - t0), srv_req_per_op: round1((p1 - p0) / items) };
}

const IMPL_NAME: Record<Impl, string> = { simple: 'SimpleDistributedQueue', 'lock-safe': 'DistributedQueue(lock-safe)' };

/** Runs `impl` untimed on a path of its own: the JIT warms up before anything is measured. */
async function warmUp(ctx: WorkloadContext, impl: Impl, producers: number, consumers: number): Promise<void> {
  const warm = Math.min(size('WARMUP', 2000), 1000);
  if (warm > 0) await runQueue(ctx, impl, producers, consumers, warm, `${ctx.root}/queue-warm-${impl}-${process.pid}`);
}

/** Measures `impl` with P + C sessions and prints its line. */
async function measure(ctx: WorkloadContext, name: string, impl: Impl, producers: number, consumers: number, peerSuffix = ''): Promise<void> {
  const items = size('QUEUE_ITEMS', 500) * (name === 'queue' ? 1 : 4);
  const figures = await runQueue(ctx, impl, producers, consumers, items, `${ctx.root}/${name}-${impl}-${process.pid}`);
  console.log(
    JSON.stringify({
      peer: ctx.peer + peerSuffix,
      workload: name,
      lib: ctx.lib,
      params: { items, producers, consumers, impl: IMPL_NAME[impl], put_window: PUT_WINDOW, take_concurrency: TAKE_CONCURRENCY, n: items },
      ...figures,
    }),
  );
}

/** A workload running `impl` with P + C sessions, warmed up first. */
function queueWorkload(name: string, impl: Impl, producers: number, consumers: number): (ctx: WorkloadContext) => Promise<void> {
  return async (ctx) => {
    await warmUp(ctx, impl, producers, consumers);
    await measure(ctx, name, impl, producers, consumers);
  };
}

/** The queue workloads by name. */
export const queueWorkloads: Record<string, (ctx: WorkloadContext) => Promise<void>> = {
  /** bench-peers' `queue`: 1 producer + 1 consumer, both implementations, both warmed up before either is measured. */
  async queue(ctx) {
    await warmUp(ctx, 'simple', 1, 1);
    await warmUp(ctx, 'lock-safe', 1, 1);
    await measure(ctx, 'queue', 'simple', 1, 1);
    await measure(ctx, 'queue', 'lock-safe', 1, 1, '-lock-safe');
  },
  'queue.simple.1x1': queueWorkload('queue.simple.1x1', 'simple', 1, 1),
  'queue.simple.4x4': queueWorkload('queue.simple.4x4', 'simple', 4, 4),
  'queue.lock_safe.1x1': queueWorkload('queue.lock_safe.1x1', 'lock-safe', 1, 1),
  'queue.lock_safe.4x4': queueWorkload('queue.lock_safe.4x4', 'lock-safe', 4, 4),
};
