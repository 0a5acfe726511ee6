/**
 * What TLS costs: a round trip (`exists`) and an uncontended lock cycle over the TLS port against the same
 * over the plain port of the same server (both served by Netty, so the only difference is TLS). The two
 * clients run in alternating blocks in one process, so machine noise hits both alike; the line reports the
 * TLS figures, the plain ones beside them, and their ratio.
 */
import type { ZkClient as ZkClientType } from '../../src';
import { Mutex, ZkClient } from '../library';
import type { WorkloadContext } from '../context';
import { size } from '../env';
import { latency, nowNs } from '../stats';

/** The TLS server's ports and CA, from `bench/run.ts` (which starts it when a `tls.*` workload is asked for). */
function tlsServer(): { tls: string; plain: string; ca: string } {
  const { ZK_TLS: tls, ZK_TLS_PLAIN: plain, ZK_TLS_CA: ca } = process.env;
  if (!tls || !plain || !ca) throw new Error('bench tls.*: ZK_TLS, ZK_TLS_PLAIN and ZK_TLS_CA must be set (bench/run.ts does)');
  return { tls, plain, ca };
}

/** Blocks of this many operations alternate between the plain and the TLS client. */
const BLOCK = 50;

/**
 * Times `makeOp(client)` on a plain and a TLS client of the same server, in alternating blocks, and prints
 * one JSON line: the TLS latency, the plain latency (`plain_*`) and `tls_ratio` (TLS median / plain median).
 */
async function plainVersusTls(
  ctx: WorkloadContext,
  workload: string,
  n: number,
  makeOp: (client: ZkClientType) => Promise<() => Promise<unknown>>,
): Promise<void> {
  const server = tlsServer();
  const plain = await ZkClient.connect({ connectString: server.plain, sessionTimeoutMs: 15_000 });
  const secure = await ZkClient.connect({ connectString: server.tls, sessionTimeoutMs: 15_000, tls: { ca: server.ca } });
  try {
    const ops = [await makeOp(plain), await makeOp(secure)] as const;
    const samples: [number[], number[]] = [[], []];
    const warm = Math.min(size('WARMUP', 2000), n);
    for (const op of ops) for (let i = 0; i < warm; i += 1) await op();
    for (let done = 0; done < n; done += BLOCK) {
      for (const which of [0, 1] as const) {
        for (let i = 0; i < Math.min(BLOCK, n - done); i += 1) {
          const start = nowNs();
          await ops[which]();
          samples[which].push(nowNs() - start);
        }
      }
    }
    const [plainLatency, tlsLatency] = [latency(samples[0]), latency(samples[1])];
    console.log(
      JSON.stringify({
        peer: ctx.peer,
        workload,
        lib: ctx.lib,
        params: { n, block: BLOCK, server: 'netty, one TLS and one plain port' },
        ...tlsLatency,
        plain_median_us: plainLatency.median_us,
        plain_p99_us: plainLatency.p99_us,
        tls_ratio: Math.round((tlsLatency.median_us / plainLatency.median_us) * 100) / 100,
      }),
    );
  } finally {
    await Promise.all([plain.close(), secure.close()]);
  }
}

/** The TLS workloads by name. */
export const tlsWorkloads: Record<string, (ctx: WorkloadContext) => Promise<void>> = {
  async 'tls.exists'(ctx) {
    await plainVersusTls(ctx, 'tls.exists', size('RAW_N', 2000), async (client) => {
      await client.create(`${ctx.root}/tls`, undefined, { createParents: true }).catch(() => undefined);
      return () => client.exists(`${ctx.root}/tls`);
    });
  },
  async 'tls.lock.uncontended'(ctx) {
    let lock = 0;
    await plainVersusTls(ctx, 'tls.lock.uncontended', size('LOCK_N', 1000), async (client) => {
      // One lock path per client: the two never contend.
      const mutex = new Mutex(client, `${ctx.root}/tls-lock-${(lock += 1)}`);
      return async () => (await mutex.acquire()).release();
    });
  },
};
