/**
 * The raw floor: the same operations made directly with node-zookeeper-client (no wrapper, no recipe), so
 * that zk-recipes' cost shows as a ratio taken in the same run. Workloads as ../shared/bench-peers' node peer.
 */
import zookeeper from 'node-zookeeper-client';
import { ZK, size } from './env';
import { latency, nowNs, opsPerSecond, round1 } from './stats';
import { serverPackets } from './server-packets';

/* The wire client is untyped here on purpose: this file measures it, nothing else uses it. */
 
type Raw = any;

const callback = <T>(start: (done: (error: unknown, value: T) => void) => void): Promise<T> =>
  // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- the wire client's error, as it is
  new Promise((resolve, reject) => start((error, value) => (error ? reject(error) : resolve(value))));

function connect(): Promise<Raw> {
  return new Promise((resolve, reject) => {
    const client = (zookeeper as any).createClient(ZK, { sessionTimeout: 15000 });
    const timer = setTimeout(() => reject(new Error(`no connection to ${ZK}`)), 15000);
    client.once('connected', () => {
      clearTimeout(timer);
      resolve(client);
    });
    client.connect();
  });
}

const EPHEMERAL_SEQUENTIAL = 3;
const exists = (c: Raw, path: string): Promise<unknown> => callback((k) => c.exists(path, k));
const create = (c: Raw, path: string): Promise<string> => callback((k) => c.create(path, EPHEMERAL_SEQUENTIAL, k));
const children = (c: Raw, path: string): Promise<string[]> => callback((k) => c.getChildren(path, k));
const remove = (c: Raw, path: string): Promise<void> => callback((k) => c.remove(path, -1, k));
const mkdirp = (c: Raw, path: string): Promise<void> => callback((k) => c.mkdirp(path, k));

/** Times `n` sequential runs of `op` after WARMUP untimed ones; prints one JSON line. */
export async function timedSequential(
  peer: string,
  lib: string,
  workload: string,
  n: number,
  op: () => Promise<unknown>,
  extra: () => Record<string, unknown> = () => ({}),
): Promise<void> {
  for (let i = 0; i < size('WARMUP', 2000); i += 1) await op();
  const durations = new Array<number>(n);
  const p0 = await serverPackets();
  const cpu0 = process.cpuUsage();
  const t0 = nowNs();
  for (let i = 0; i < n; i += 1) {
    const start = nowNs();
    await op();
    durations[i] = nowNs() - start;
  }
  const wall = nowNs() - t0;
  const cpu = process.cpuUsage(cpu0);
  const p1 = await serverPackets();
  console.log(
    JSON.stringify({
      peer,
      workload,
      lib,
      params: { n },
      ...latency(durations),
      ops_per_s: opsPerSecond(n, wall),
      cpu_us_per_op: round1((cpu.user + cpu.system) / n),
      srv_req_per_op: Math.round(((p1 - p0) / n) * 10) / 10,
      ...extra(),
    }),
  );
}

// eslint-disable-next-line @typescript-eslint/no-require-imports -- the version of the client being measured, read at run time
const LIB = `node-zookeeper-client-${(require('node-zookeeper-client/package.json') as { version: string }).version}`;
/** Operations in flight at once in the throughput workloads (`raw.exists_64`). */
export const IN_FLIGHT = 64;

/**
 * Throughput: `n` runs of `op` (after WARMUP untimed ones), IN_FLIGHT at a time; prints one JSON line with
 * ops/s, the latency of each op under that load, and the client CPU per op.
 */
export async function timedConcurrent(peer: string, lib: string, workload: string, n: number, op: () => Promise<unknown>): Promise<void> {
  const run = async (count: number, durations?: number[]): Promise<void> => {
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < count) {
        const i = next++;
        const start = nowNs();
        await op();
        if (durations) durations[i] = nowNs() - start;
      }
    };
    await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
  };
  await run(size('WARMUP', 2000));
  const durations = new Array<number>(n);
  const cpu0 = process.cpuUsage();
  const t0 = nowNs();
  await run(n, durations);
  const wall = nowNs() - t0;
  const cpu = process.cpuUsage(cpu0);
  console.log(
    JSON.stringify({
      peer,
      workload,
      lib,
      params: { n, in_flight: IN_FLIGHT },
      ...latency(durations),
      ops_per_s: opsPerSecond(n, wall),
      cpu_us_per_op: round1((cpu.user + cpu.system) / n),
    }),
  );
}

const ROOT = '/bench/node-zk';

const workloads: Record<string, (c: Raw) => Promise<void>> = {
  async 'raw.exists'(c) {
    await mkdirp(c, `${ROOT}/raw`);
    await timedSequential('node-zk', LIB, 'raw.exists', size('RAW_N', 2000), () => exists(c, `${ROOT}/raw`));
  },
  async 'raw.exists_64'(c) {
    await mkdirp(c, `${ROOT}/raw`);
    await timedConcurrent('node-zk', LIB, 'raw.exists_64', size('RAW_N', 2000) * 5, () => exists(c, `${ROOT}/raw`));
  },
  async 'raw.create_delete'(c) {
    await mkdirp(c, `${ROOT}/raw/node`);
    await timedSequential('node-zk', LIB, 'raw.create_delete', size('RAW_N', 2000), async () =>
      remove(c, await create(c, `${ROOT}/raw/node/n-`)),
    );
  },
  async 'raw.lock_pipelined'(c) {
    const dir = `${ROOT}/raw/lock`;
    await mkdirp(c, dir);
    let misses = 0;
    await timedSequential(
      'node-zk',
      LIB,
      'raw.lock_pipelined',
      size('RAW_N', 2000),
      async () => {
        const [name, kids] = await Promise.all([create(c, `${dir}/n-`), children(c, dir)]);
        if (!kids.includes(name.slice(dir.length + 1))) misses += 1;
        await remove(c, name);
      },
      () => ({ getchildren_missed_create: misses }),
    );
  },
};

/** Runs the named raw workloads it knows (others are skipped, as the bench-peers protocol says). */
export async function runRawFloor(names: readonly string[]): Promise<void> {
  for (const name of names) {
    const workload = workloads[name];
    if (!workload) continue;
    const client = await connect();
    await workload(client);
    client.close();
  }
}

if (require.main === module) {
  runRawFloor(process.argv.slice(2)).then(
    () => process.exit(0),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
}
