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
const WORKLOADS = (process.env.WORKLOADS ?? 'raw.exists raw.create_delete raw.lock_pipelined lock.uncontended lock.contended leader.failover leader.failover.crash config.propagation cache.load').split(/\s+/).filter(Boolean);
const PEERS: Record<string, string> = { 'zk-recipes': 'bench/peer.ts', 'node-zk': 'bench/raw-floor.ts' };

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

/** The figure a workload is judged by: throughput for contended locks, else the median latency. */
function figure(line: Line): number {
  return line.workload === 'lock.contended' ? Number(line.ops_per_s) : Number(line.median_us);
}

async function main(): Promise<void> {
  const server = await TestingServer.start();
  const env = { ...process.env, ZK: server.connectString };
  const results: Line[] = [];
  try {
    console.error(`bench: ZooKeeper on ${server.connectString}, ${ROUNDS} rounds`);
    await runPeer(PEERS['zk-recipes']!, 'raw.exists', { ...env, RAW_N: '3000', WARMUP: '0' }); // warm the server's JIT
    for (let round = 1; round <= ROUNDS; round += 1) {
      const order = round % 2 === 0 ? Object.keys(PEERS).reverse() : Object.keys(PEERS);
      for (const workload of WORKLOADS) {
        for (const peer of order) {
          for (const line of await runPeer(PEERS[peer]!, workload, env)) {
            const tagged = { ...line, round };
            results.push(tagged);
            console.log(JSON.stringify(tagged));
          }
        }
      }
    }
  } finally {
    await server.stop();
  }
  printTable(results);
}

function printTable(results: Line[]): void {
  const rows: string[] = [
    '| workload | zk-recipes median | p99 | srv req/op | node-zk floor median | ratio (paired by round) |',
    '|---|---|---|---|---|---|',
  ];
  // lock.uncontended is compared with the pipelined raw lock (create+getChildren together, then delete).
  const floorOf: Record<string, string> = { 'lock.uncontended': 'raw.lock_pipelined' };
  for (const workload of WORKLOADS) {
    const ours = results.filter((r) => r.peer === 'zk-recipes' && r.workload === workload);
    if (ours.length === 0) continue;
    const floorName = floorOf[workload] ?? workload;
    const floor = results.filter((r) => r.peer === 'node-zk' && r.workload === floorName);
    const ratios = ours.flatMap((r) => {
      const f = floor.find((x) => x.round === r.round);
      return f ? [figure(r) / figure(f)] : [];
    });
    const unit = workload === 'lock.contended' ? '/s' : ' µs';
    rows.push(
      `| ${workload} | ${round1(median(ours.map(figure)))}${unit} | ${round1(median(ours.map((r) => Number(r.p99_us))))} µs | ${round1(median(ours.map((r) => Number(r.srv_req_per_op ?? NaN))))} | ${
        floor.length ? `${round1(median(floor.map(figure)))}${unit} (${floorName})` : '–'
      } | ${ratios.length ? (Math.round(median(ratios) * 100) / 100).toFixed(2) : "–"} |`,
    );
  }
  console.log(`\n${rows.join('\n')}`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
