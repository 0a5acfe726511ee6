/** Lock workloads: uncontended acquire+release on one client, and handoffs/s between contending sessions. */
import type { Mutex as MutexType } from '../../src';
import { Mutex } from '../library';
import type { WorkloadContext } from '../context';
import { size } from '../env';
import { timedSequential } from '../raw-floor';
import { serverPackets } from '../server-packets';
import { latency, nowNs, opsPerSecond, round1 } from '../stats';

/** The lock workloads by name. */
export const lockWorkloads: Record<string, (ctx: WorkloadContext) => Promise<void>> = {
  async 'lock.uncontended'(ctx) {
    const client = await ctx.connect();
    const mutex = new Mutex(client, `${ctx.root}/lock`);
    await timedSequential(ctx.peer, ctx.lib, 'lock.uncontended', size('LOCK_N', 1000), async () => {
      const handle = await mutex.acquire();
      await handle.release();
    });
    await client.close();
  },
  /** LOCK_CLIENTS sessions x LOCK_CYCLES cycles on one lock, hold ~0; latency = the wait for the lock. */
  async 'lock.contended'(ctx) {
    const clients = size('LOCK_CLIENTS', 8);
    const cycles = size('LOCK_CYCLES', 100);
    const warm = Math.min(size('WARMUP', 2000), Math.floor(cycles / 2));
    const sessions = await Promise.all(Array.from({ length: clients }, () => ctx.connect()));
    const mutexes = sessions.map((client) => new Mutex(client, `${ctx.root}/clock`));
    const cycle = async (mutex: MutexType): Promise<number> => {
      const start = nowNs();
      const handle = await mutex.acquire();
      const waited = nowNs() - start;
      await handle.release();
      return waited;
    };
    await Promise.all(mutexes.map(async (mutex) => {
      for (let j = 0; j < warm; j += 1) await cycle(mutex);
    }));
    const waits: number[] = [];
    const p0 = await serverPackets();
    const t0 = nowNs();
    await Promise.all(mutexes.map(async (mutex) => {
      for (let j = 0; j < cycles; j += 1) waits.push(await cycle(mutex));
    }));
    const wall = nowNs() - t0;
    const p1 = await serverPackets();
    console.log(
      JSON.stringify({
        peer: ctx.peer,
        workload: 'lock.contended',
        lib: ctx.lib,
        params: { clients, cycles, warm_cycles: warm, n: clients * cycles },
        ...latency(waits),
        ops_per_s: opsPerSecond(clients * cycles, wall),
        srv_req_per_op: round1((p1 - p0) / (clients * cycles)),
      }),
    );
    await Promise.all(sessions.map((client) => client.close()));
  },
};
