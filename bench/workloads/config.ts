/**
 * Config workloads, shaped as ../shared/bench-peers' Java peer shapes them (CuratorCache there, our caches here):
 * `config.propagation` (one writer, CONFIG_READERS NodeCaches on their own sessions: time until all see a write)
 * and `cache.load` (CACHE_NODES nodes in a 2-level tree; a fresh session starts a TreeCache until initialized,
 * CACHE_LOADS times; also the heap the cache holds per node).
 */
import { runInNewContext } from 'node:vm';
import { setFlagsFromString } from 'node:v8';
import type { NodeCache as NodeCacheType } from '../../src';
import { NodeCache, TreeCache } from '../library';
import type { WorkloadContext } from '../context';
import { size } from '../env';
import { serverPackets } from '../server-packets';
import { latency, nowNs, round1 } from '../stats';

/** A full garbage collection, for the heap measurement (the peer is started without --expose-gc). */
function collect(): void {
  setFlagsFromString('--expose-gc');
  (runInNewContext('gc') as () => void)();
}

/** The config workloads by name. */
export const configWorkloads: Record<string, (ctx: WorkloadContext) => Promise<void>> = {
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
    const caches: NodeCacheType[] = clients.map((client, k) => {
      const cache = new NodeCache(client, path);
      cache.on('change', ({ current }) => {
        if (Number(current?.data?.toString()) !== wanted || seenAt[k] !== 0) return;
        seenAt[k] = nowNs();
        pending -= 1;
        if (pending === 0) allSeen?.();
      });
      return cache;
    });
    await Promise.all(caches.map((cache) => cache.start()));
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
        params: { readers, impl: 'NodeCache', n: writes },
        ...latency(slowest),
        per_reader_median_us: latency(each).median_us,
        srv_req_per_op: round1((p1 - p0) / (warm + writes)),
      }),
    );
    await Promise.all(caches.map((cache) => cache.close()));
    await Promise.all([...clients, writer].map((c) => c.close()));
  },

  async 'cache.load'(ctx) {
    const nodes = size('CACHE_NODES', 10_000);
    const fanout = size('CACHE_FANOUT', 100);
    const loads = size('CACHE_LOADS', 3);
    const root = `${ctx.root}/tree`;
    const setup = await ctx.connect();
    await setup.create(root, '', { createParents: true }).catch(() => undefined);
    const data = Buffer.alloc(32);
    const paths: string[] = [];
    for (let b = 0, made = 0; made < nodes; b += 1) {
      const branch = `${root}/b${b}`;
      paths.push(branch);
      made += 1;
      for (let i = 0; i < fanout - 1 && made < nodes; i += 1, made += 1) paths.push(`${branch}/n${i}`);
    }
    // Branches first, then leaves, 500 in flight (as the Java peer does).
    const create = (path: string): Promise<unknown> => setup.create(path, data).catch((error: unknown) => {
      if (!(error instanceof Error && 'code' in error && error.code === 'NODE_EXISTS')) throw error;
    });
    const branches = paths.filter((p) => p.split('/').length === root.split('/').length + 1);
    const leaves = paths.filter((p) => p.split('/').length > root.split('/').length + 1);
    await Promise.all(branches.map(create));
    for (let i = 0; i < leaves.length; i += 500) await Promise.all(leaves.slice(i, i + 500).map(create));

    // Timed loads first, then one more (untimed) for the heap it holds: the full collections that measurement
    // needs would otherwise sit next to the timed loads.
    const times: number[] = [];
    const p0 = await serverPackets();
    for (let k = 0; k < loads; k += 1) {
      const client = await ctx.connect();
      const cache = new TreeCache(client, root);
      const t0 = nowNs();
      await cache.start();
      times.push(nowNs() - t0);
      if (cache.size < nodes) throw new Error(`cache holds ${cache.size} of ${nodes}`);
      await cache.close();
      await client.close();
    }
    const p1 = await serverPackets();
    const client = await ctx.connect();
    collect();
    const heapBefore = process.memoryUsage().heapUsed;
    const cache = new TreeCache(client, root);
    await cache.start();
    collect();
    const heapPerNode = (process.memoryUsage().heapUsed - heapBefore) / cache.size;
    await cache.close();
    await client.close();
    const stats = latency(times);
    console.log(
      JSON.stringify({
        peer: ctx.peer,
        workload: 'cache.load',
        lib: ctx.lib,
        params: { nodes, fanout, impl: 'TreeCache', n: loads },
        ...stats,
        median_ms: round1(stats.median_us / 1e3),
        srv_req_per_node: round1((p1 - p0) / (loads * nodes)),
        heap_bytes_per_node: Math.round(heapPerNode),
      }),
    );
    await setup.close();
  },
};
