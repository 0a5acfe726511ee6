/**
 * zk-recipes as a peer of ../shared/bench-peers: takes workload names as arguments, reads ZK and the size
 * variables from the environment, prints one JSON line per workload it implements and skips the others.
 * Uses the public API only. `participant <id>` is the child-process mode of the `leader.failover` workloads.
 */
import { ZkClient } from './library';
import type { WorkloadContext } from './context';
import { ZK, size } from './env';
import { timedSequential } from './raw-floor';
import { latency, nowNs, round1 } from './stats';
import { serverPackets } from './server-packets';
import { lockWorkloads } from './workloads/locks';
import { leaderWorkloads, participant } from './workloads/leader';
import { queueWorkloads } from './workloads/queue';

const PEER = 'zk-recipes';
const LIB = `zk-recipes-${require('../package.json').version}`;
const ROOT = '/bench/zk-recipes';

const context: WorkloadContext = {
  peer: PEER,
  lib: LIB,
  root: ROOT,
  connect: (sessionTimeoutMs = 15000) => ZkClient.connect({ connectString: ZK, sessionTimeoutMs }),
};

const clientWorkloads: Record<string, (ctx: WorkloadContext) => Promise<void>> = {
  async 'raw.exists'(ctx) {
    const client = await ctx.connect();
    await client.create(`${ctx.root}/raw`, undefined, { createParents: true }).catch(() => undefined);
    await timedSequential(ctx.peer, ctx.lib, 'raw.exists', size('RAW_N', 2000), () => client.exists(`${ctx.root}/raw`));
    await client.close();
  },
  async 'raw.create_delete'(ctx) {
    const client = await ctx.connect();
    await client.create(`${ctx.root}/raw/node`, undefined, { createParents: true }).catch(() => undefined);
    await timedSequential(ctx.peer, ctx.lib, 'raw.create_delete', size('RAW_N', 2000), async () =>
      client.delete(await client.create(`${ctx.root}/raw/node/n-`, undefined, { mode: 'ephemeral-sequential' })),
    );
    await client.close();
  },
  /** One writer, CONFIG_READERS reader sessions each with a re-arming data watcher: time until all see a write. */
  async 'config.propagation'(ctx) {
    const readers = size('CONFIG_READERS', 8);
    const writes = size('CONFIG_WRITES', 100);
    const warm = Math.min(size('WARMUP', 2000), 50);
    const path = `${ctx.root}/config`;
    const writer = await ctx.connect();
    await writer.create(path, '0', { createParents: true }).catch(() => undefined);
    await writer.setData(path, '0');
    let wanted = 0;
    let pending = 0;
    let allSeen: (() => void) | undefined;
    const seenAt = new Array<number>(readers).fill(0);
    const clients = await Promise.all(Array.from({ length: readers }, () => ctx.connect()));
    const watchers = clients.map((client, k) => {
      const watcher = client.watchData(path);
      watcher.on('change', ({ value }) => {
        if (Number(value?.toString()) !== wanted || seenAt[k] !== 0) return;
        seenAt[k] = nowNs();
        pending -= 1;
        if (pending === 0) allSeen?.();
      });
      return watcher;
    });
    await Promise.all(watchers.map((w) => w.ready()));
    const slowest: number[] = [];
    const each: number[] = [];
    const p0 = await serverPackets();
    for (let i = 1; i <= warm + writes; i += 1) {
      seenAt.fill(0);
      wanted = i;
      pending = readers;
      const done = new Promise<void>((resolve) => (allSeen = resolve));
      const t0 = nowNs();
      await writer.setData(path, String(i));
      await done;
      if (i > warm) {
        slowest.push(Math.max(...seenAt) - t0);
        for (const t of seenAt) each.push(t - t0);
      }
    }
    const p1 = await serverPackets();
    console.log(
      JSON.stringify({
        peer: ctx.peer,
        workload: 'config.propagation',
        lib: ctx.lib,
        params: { readers, impl: 'watchData', n: writes },
        ...latency(slowest),
        per_reader_median_us: latency(each).median_us,
        srv_req_per_op: round1((p1 - p0) / (warm + writes)),
      }),
    );
    await Promise.all(watchers.map((w) => w.close()));
    await Promise.all([...clients, writer].map((c) => c.close()));
  },
};

const workloads = { ...clientWorkloads, ...lockWorkloads, ...leaderWorkloads, ...queueWorkloads };

async function main(args: string[]): Promise<void> {
  if (args[0] === 'participant') {
    await participant(context, args[1] ?? 'p');
    return;
  }
  for (const name of args) {
    const workload = workloads[name];
    if (workload) await workload(context);
  }
}

main(process.argv.slice(2)).then(
  () => process.exit(0),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
