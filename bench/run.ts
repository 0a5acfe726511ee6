/**
 * `npm run bench`: starts a throwaway ZooKeeper (tmpfs data), then runs every workload for zk-recipes and
 * for the raw node-zookeeper-client floor, each in its own process, back to back, ROUNDS times (peer order
 * alternating). Prints one JSON line per (round, peer, workload) and then a table of medians across rounds,
 * with zk-recipes / floor ratios paired by round. Compare with Curator and kazoo: bench/compare-peers.sh.
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { TestingServer } from '../src/testing';
import { median, round1 } from './stats';

const ROUNDS = Number(process.env.ROUNDS ?? 3);
const WORKLOADS = (process.env.WORKLOADS ?? 'raw.exists raw.create_delete raw.exists_64 raw.lock_pipelined lock.uncontended lock.contended leader.failover leader.failover.crash config.propagation queue.simple.1x1 queue.simple.4x4 queue.lock_safe.1x1 queue.lock_safe.4x4 cache.load tls.exists tls.lock.uncontended').split(/\s+/).filter(Boolean);
/** Each peer: its script and environment. `zk-recipes-nzk` is ZkClient on the node-zookeeper-client transport. */
const PEERS: Record<string, { file: string; env?: NodeJS.ProcessEnv }> = {
  'zk-recipes': { file: 'bench/peer.ts' },
  'zk-recipes-nzk': { file: 'bench/peer.ts', env: { TRANSPORT: 'node-zookeeper-client' } },
  'node-zk': { file: 'bench/raw-floor.ts' },
};

type Line = Record<string, unknown> & { peer: string; workload: string; round: number };

function runPeer(file: string, workload: string, env: NodeJS.ProcessEnv): Promise<Line[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', file, workload], { env, stdio: ['ignore', 'pipe', 'inherit'] });
    const lines: Line[] = [];
    createInterface({ input: child.stdout }).on('line', (line) => {
      if (line.startsWith('{')) lines.push(JSON.parse(line) as Line);
    });
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve(lines) : reject(new Error(`${file} ${workload} exited with ${code}`))));
  });
}

/** Workloads judged by throughput (ops/s); the others by their median latency. */
function isThroughput(workload: string): boolean {
  return workload === 'lock.contended' || workload === 'raw.exists_64' || workload.startsWith('queue');
}

/** The figure a workload is judged by. */
function figure(line: Line): number {
  return isThroughput(line.workload) ? Number(line.ops_per_s) : Number(line.median_us);
}

async function main(): Promise<void> {
  const server = await TestingServer.start();
  // The TLS workloads get a server of their own: TLS needs ZooKeeper's Netty connection factory, which
  // would change what the other workloads measure. They compare its TLS port with its plain port.
  const tlsServer = WORKLOADS.some((name) => name.startsWith('tls.')) ? await TestingServer.start({ tls: true }) : undefined;
  const env = {
    ...process.env,
    ZK: server.connectString,
    ...(tlsServer && { ZK_TLS: tlsServer.connectString, ZK_TLS_PLAIN: tlsServer.plainConnectString, ZK_TLS_CA: tlsServer.tls!.ca }),
  };
  const results: Line[] = [];
  try {
    console.error(`bench: ZooKeeper on ${server.connectString}, ${ROUNDS} rounds`);
    await runPeer(PEERS['zk-recipes']!.file, 'raw.exists', { ...env, RAW_N: '3000', WARMUP: '0' }); // warm the server's JIT
    for (let round = 1; round <= ROUNDS; round += 1) {
      const order = round % 2 === 0 ? Object.keys(PEERS).reverse() : Object.keys(PEERS);
      for (const workload of WORKLOADS) {
        for (const peer of order) {
          for (const line of await runPeer(PEERS[peer]!.file, workload, { ...env, ...PEERS[peer]!.env })) {
            const tagged = { ...line, round };
            results.push(tagged);
            console.log(JSON.stringify(tagged));
          }
        }
      }
    }
  } finally {
    await Promise.all([server.stop(), tlsServer?.stop()]);
  }
  printTable(results);
}

function printTable(results: Line[]): void {
  const rows: string[] = [
    '| workload | zk-recipes median | p99 | cpu µs/op | srv req/op (per node for cache.load) | on node-zk transport | node-zk floor median | ratio to floor | ratio to node-zk transport | cpu ratio to node-zk transport |',
    '|---|---|---|---|---|---|---|---|---|---|',
  ];
  // lock.uncontended is compared with the pipelined raw lock (create+getChildren together, then delete).
  const floorOf: Record<string, string> = { 'lock.uncontended': 'raw.lock_pipelined' };
  const of = (peer: string, workload: string): Line[] => results.filter((r) => r.peer === peer && r.workload === workload);
  /** Median over rounds of `value(ours) / value(theirs)`, paired by round. */
  const pairedRatio = (ours: Line[], theirs: Line[], value: (line: Line) => number): string => {
    const ratios = ours.flatMap((r) => {
      const t = theirs.find((x) => x.round === r.round);
      return t ? [value(r) / value(t)] : [];
    });
    return ratios.length ? (Math.round(median(ratios) * 100) / 100).toFixed(2) : '–';
  };
  const cpu = (line: Line): number => Number(line.cpu_us_per_op ?? NaN);
  const med = (lines: Line[], value: (line: Line) => number): number => round1(median(lines.map(value)));
  for (const workload of WORKLOADS) {
    const ours = of('zk-recipes', workload);
    if (ours.length === 0) continue;
    const unit = isThroughput(workload) ? '/s' : ' µs';
    if (workload.startsWith('tls.')) {
      // Measured against the plain port of the same server, in the same process: the ratio is TLS / plain.
      const plain = (r: Line): number => Number(r.plain_median_us);
      rows.push(
        `| ${workload} | ${med(ours, figure)}${unit} | ${med(ours, (r) => Number(r.p99_us))} µs | – | – | – | ${med(ours, plain)}${unit} (plain port) | ${median(
          ours.map((r) => Number(r.tls_ratio)),
        ).toFixed(2)} | – | – |`,
      );
      continue;
    }
    const floorName = floorOf[workload] ?? workload;
    const floor = of('node-zk', floorName);
    const before = of('zk-recipes-nzk', workload);
    rows.push(
      `| ${workload} | ${med(ours, figure)}${unit} | ${med(ours, (r) => Number(r.p99_us))} µs | ${med(ours, cpu)} | ${med(ours, (r) => Number(r.srv_req_per_op ?? r.srv_req_per_node ?? NaN))} | ${
        before.length ? `${med(before, figure)}${unit}, cpu ${med(before, cpu)}` : '–'
      } | ${floor.length ? `${med(floor, figure)}${unit} (${floorName}), cpu ${med(floor, cpu)}` : '–'} | ${pairedRatio(ours, floor, figure)} | ${pairedRatio(
        ours,
        before,
        figure,
      )} | ${pairedRatio(ours, before, cpu)} |`,
    );
  }
  console.log(`\n${rows.join('\n')}`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
