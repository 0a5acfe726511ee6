/**
 * The lock-safe DistributedQueue under faults, on a 3-node ensemble: a consumer process SIGKILLed while its
 * handlers hold claims, and the ensemble server a consumer is connected to SIGKILLed mid-run. Every item is
 * still handled to the end at least once (never a loss); duplicates are counted and reported.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import * as path from 'node:path';
import * as readline from 'node:readline';
import { isConnectionTrouble } from '../../../src/client/errors';
import { DistributedQueue } from '../../../src/recipes/queue';
import { scaled } from '../../helpers';
import { Clients } from '../../helpers/clients';
import { sharedCluster } from '../../helpers/shared-server';
import { DeliveryChecker, type TestItem } from './support';

const cluster = sharedCluster({ size: 3 });
const clients = new Clients(() => cluster.connectString, { prefix: 'qfault', clientDefaults: { sessionTimeoutMs: 6000 } });
const children: ChildProcessWithoutNullStreams[] = [];

afterEach(async () => {
  for (const child of children.splice(0)) child.kill('SIGKILL');
  await clients.closeAll();
});

const PRODUCERS = 2;
const ITEMS = 1000;

/** Puts until the put succeeds: a put cut off by a server's death may have been applied (a duplicate), never lost. */
async function putSurely(queue: DistributedQueue<TestItem>, item: TestItem): Promise<number> {
  for (let retries = 0; ; retries += 1) {
    try {
      await queue.put(item);
      return retries;
    } catch (error) {
      if (!isConnectionTrouble(error) || retries > 50) throw error;
    }
  }
}

/** The slow-consumer fixture in its own process (one process: SIGKILL must really kill the consumer). */
function spawnConsumer(namespace: string, queuePath: string): { child: ChildProcessWithoutNullStreams; lines: readline.Interface } {
  const script = path.join(__dirname, 'fixtures', 'slow-consumer.ts');
  const child = spawn(process.execPath, ['--import', 'tsx', script, cluster.connectString, namespace, queuePath, '300', '8', '4000'], { stdio: 'pipe' });
  children.push(child);
  child.stderr.on('data', (chunk: Buffer) => process.stderr.write(chunk));
  return { child, lines: readline.createInterface({ input: child.stdout }) };
}

test('a consumer process killed mid-handler and an ensemble server killed: every item handled, duplicates counted', async () => {
  const checker = new DeliveryChecker();
  const total = PRODUCERS * ITEMS;
  let allDone!: () => void;
  const done = new Promise<void>((resolve) => (allDone = resolve));
  const handled = (consumer: string, item: TestItem): void => {
    checker.delivered(consumer, item);
    if (checker.deliveredCount >= total && checker.report().put >= total) allDone();
  };

  // The consumer process: slow handlers, 8 at a time, so it always holds claims.
  const { child, lines } = spawnConsumer(clients.namespace, '/jobs');
  let started = 0;
  let childReady!: () => void;
  let childBusy!: () => void;
  const ready = new Promise<void>((resolve) => (childReady = resolve));
  const busy = new Promise<void>((resolve) => (childBusy = resolve));
  lines.on('line', (line) => {
    if (line === 'READY') childReady();
    else if (line.startsWith('START ')) {
      started += 1;
      if (started >= 40) childBusy();
    } else if (line.startsWith('DONE ')) handled('child', JSON.parse(line.slice(5)) as TestItem);
  });
  await ready;

  // Two consumers in this process.
  const consumers = await clients.startMany(2);
  const stop = new AbortController();
  const consuming = consumers.map((client, c) =>
    new DistributedQueue<TestItem>(client, '/jobs').consume(async (item) => {
      await new Promise((resolve) => setTimeout(resolve, 2));
      handled(`c${c}`, item);
    }, { concurrency: 4, signal: stop.signal }),
  );

  // Producers, with retries across the server kill.
  const producerClients = await clients.startMany(PRODUCERS);
  let putRetries = 0;
  const producing = producerClients.map(async (client, p) => {
    const queue = new DistributedQueue<TestItem>(client, '/jobs');
    for (let index = 0; index < ITEMS; index += 1) {
      putRetries += await putSurely(queue, { producer: p, index });
      checker.put({ producer: p, index });
    }
  });

  // Kill the consumer process while its handlers hold claims, then the server consumer c0 is connected to.
  await busy;
  child.kill('SIGKILL');
  const server = consumers[0]!.sessionCredentials()!.server;
  const victim = cluster.servers.findIndex((member) => server.endsWith(`:${member.clientPort}`));
  expect(victim).toBeGreaterThanOrEqual(0);
  await cluster.kill(victim);

  await Promise.all(producing);
  const timer = setTimeout(allDone, scaled(180_000));
  await done;
  clearTimeout(timer);
  stop.abort();
  await Promise.all(consuming);
  await cluster.restart(victim, { timeoutMs: scaled(60_000) });

  const report = checker.report();
  console.log(`queue faults: ${report.put} items, ${report.delivered} handled, ${report.duplicates} duplicates, ${putRetries} put retries, child started ${started}`);
  expect(report.missing).toEqual([]);
  expect(report.unknown).toEqual([]);
  expect(report.delivered).toBe(total);
});
