/**
 * "Start the batch when all N workers are ready", against an embedded ZooKeeper: four workers come up at
 * different times and wait in a DoubleBarrier; the batch starts for all of them once the fourth is in, and
 * nobody reports the batch finished before the slowest is done. A coordinator holds everyone at a
 * DistributedBarrier first, until the input is in place. Run it with `npx tsx examples/barrier.ts`.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { DistributedBarrier, DoubleBarrier, ZkClient } from '../src';
import { TestingServer } from '../src/testing';

const WORKERS = 4;

function log(who: string, message: string): void {
  console.log(`${new Date().toISOString().slice(11, 23)} [${who}] ${message}`);
}

async function worker(client: ZkClient, name: string, startsAfterMs: number, worksForMs: number): Promise<void> {
  await sleep(startsAfterMs); // workers come up one by one
  log(name, 'up; waiting for the input gate');
  await new DistributedBarrier(client, '/batch/input-gate').wait({ timeoutMs: 30_000 });
  const batch = new DoubleBarrier(client, '/batch/run', { memberCount: WORKERS, id: name });
  log(name, 'ready; waiting for the others');
  await batch.enter({ timeoutMs: 30_000 });
  log(name, `the batch starts: working ${worksForMs} ms`);
  await sleep(worksForMs);
  log(name, 'done; waiting for the others to finish');
  await batch.leave({ timeoutMs: 30_000 });
  log(name, 'everybody finished');
}

async function main(): Promise<void> {
  const server = await TestingServer.start();
  const connect = (): Promise<ZkClient> => ZkClient.connect({ connectString: server.connectString, namespace: 'barrier-example' });
  const clients = await Promise.all(Array.from({ length: WORKERS + 1 }, connect));
  try {
    const [coordinator, ...workerClients] = clients;
    const gate = new DistributedBarrier(coordinator!, '/batch/input-gate');
    await gate.set();
    log('coordinator', 'gate set: preparing the input');
    const running = workerClients.map((client, i) => worker(client, `worker-${i + 1}`, i * 150, 100 + i * 200));
    await sleep(300);
    log('coordinator', 'input ready: gate removed');
    await gate.remove();
    await Promise.all(running);
    log('coordinator', `batch finished; left behind under /batch/run: ${(await coordinator!.getChildren('/batch/run')).children.length} nodes`);
  } finally {
    await Promise.all(clients.map((client) => client.close()));
    await server.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
