/**
 * The client's per-operation cost over raw node-zookeeper-client, measured in one process on one server:
 * sequential `exists` round trips and `create`+`delete` pairs, made alternately in blocks by ZkClient and by
 * the wire client directly (so that drift of the machine or the server hits both alike). Prints one JSON line
 * per workload with both medians and p99s, the ratio and the difference.
 *
 *   npx tsx bench/raw-overhead.ts            # starts its own TestingServer
 *   ZK=127.0.0.1:2181 npx tsx bench/raw-overhead.ts
 *
 * Sizes: RAW_N (timed ops per client, default 2000), WARMUP (untimed, default 2000), BLOCK (ops per
 * alternation, default 100).
 */
import { randomUUID } from 'node:crypto';
import zookeeper from 'node-zookeeper-client';
import { ZkClient } from './library';
import { TestingServer } from '../src/testing';
import { size } from './env';
import { latency, nowNs, round1, type Latency } from './stats';

/* The wire client is untyped on purpose: this file measures it, nothing else. */
 
type Raw = any;

const N = size('RAW_N', 2000);
const WARMUP = size('WARMUP', 2000);
const BLOCK = Math.max(1, size('BLOCK', 100));

const callback = <T>(start: (done: (error: unknown, value: T) => void) => void): Promise<T> =>
  // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- the wire client's error, as it is
  new Promise((resolve, reject) => start((error, value) => (error ? reject(error) : resolve(value))));

function connectRaw(connectString: string): Promise<Raw> {
  return new Promise((resolve, reject) => {
    const client = (zookeeper as any).createClient(connectString, { sessionTimeout: 15000, spinDelay: 100 });
    const timer = setTimeout(() => reject(new Error(`no connection to ${connectString}`)), 15000);
    client.once('connected', () => {
      clearTimeout(timer);
      resolve(client);
    });
    client.connect();
  });
}

/** One workload as both clients run it: an operation each (one timed unit). */
interface Workload {
  name: string;
  ours: () => Promise<unknown>;
  raw: () => Promise<unknown>;
}

/** Runs WARMUP untimed and N timed units of each side, alternating in blocks; returns the durations (ns). */
async function measure(workload: Workload): Promise<{ ours: number[]; raw: number[] }> {
  for (let i = 0; i < WARMUP; i += 1) {
    await workload.ours();
    await workload.raw();
  }
  const durations = { ours: [] as number[], raw: [] as number[] };
  for (let done = 0, block = 0; done < N; block += 1) {
    const count = Math.min(BLOCK, N - done);
    // Alternate which side goes first, so neither always runs right after the other's burst.
    const sides = block % 2 === 0 ? (['ours', 'raw'] as const) : (['raw', 'ours'] as const);
    for (const side of sides) {
      const op = workload[side];
      for (let i = 0; i < count; i += 1) {
        const start = nowNs();
        await op();
        durations[side].push(nowNs() - start);
      }
    }
    done += count;
  }
  return durations;
}

/** `a / b` with two decimals. */
const ratio = (a: number, b: number): number => Math.round((a / b) * 100) / 100;

function report(name: string, ours: Latency, raw: Latency): void {
  console.log(
    JSON.stringify({
      workload: `overhead.${name}`,
      n: N,
      warmup: WARMUP,
      zk_recipes: ours,
      node_zookeeper_client: raw,
      ratio_median: ratio(ours.median_us, raw.median_us),
      ratio_p99: ratio(ours.p99_us, raw.p99_us),
      overhead_median_us: round1(ours.median_us - raw.median_us),
    }),
  );
}

async function main(): Promise<void> {
  const server = process.env.ZK ? undefined : await TestingServer.start();
  const connectString = process.env.ZK ?? server!.connectString;
  const base = `/bench-overhead-${randomUUID().slice(0, 8)}`;
  const ours = await ZkClient.connect({ connectString, namespace: base, sessionTimeoutMs: 15000 });
  const raw = await connectRaw(connectString);
  try {
    await ours.create('/node', 'x');
    let counter = 0;
    const workloads: Workload[] = [
      {
        name: 'exists',
        ours: () => ours.exists('/node'),
        raw: () => callback((k) => raw.exists(`${base}/node`, k)),
      },
      {
        name: 'create_delete',
        ours: async () => {
          const path = `/cd-ours-${(counter += 1)}`;
          await ours.create(path);
          await ours.delete(path);
        },
        raw: async () => {
          const path = `${base}/cd-raw-${(counter += 1)}`;
          await callback((k) => raw.create(path, k));
          await callback((k) => raw.remove(path, -1, k));
        },
      },
    ];
    for (const workload of workloads) {
      const durations = await measure(workload);
      report(workload.name, latency(durations.ours), latency(durations.raw));
    }
    await ours.delete('/', { recursive: true });
  } finally {
    await ours.close();
    raw.close();
    await server?.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
