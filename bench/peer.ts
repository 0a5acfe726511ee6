/**
 * zk-recipes as a peer of ../shared/bench-peers: takes workload names as arguments, reads ZK and the size
 * variables from the environment, prints one JSON line per workload it implements and skips the others.
 * Uses the public API only. `participant <id>` is the child-process mode of the `leader.failover` workloads.
 */
import { ZkClient } from './library';
import type { WorkloadContext } from './context';
import { ZK, size } from './env';
import { timedSequential } from './raw-floor';
import { lockWorkloads } from './workloads/locks';
import { leaderWorkloads, participant } from './workloads/leader';
import { configWorkloads } from './workloads/config';

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
};

const workloads = { ...clientWorkloads, ...lockWorkloads, ...leaderWorkloads, ...configWorkloads };

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
