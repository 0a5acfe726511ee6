/**
 * A task queue for workers, against an embedded ZooKeeper: a producer puts jobs into a lock-safe
 * DistributedQueue; three workers consume them. One job fails twice before it works (it goes back to the
 * tail with its attempt counted), one always fails and ends in the dead-letter path, and a worker that dies
 * in the middle of a job (its client gone, its session ended) loses nothing: the job comes back to another
 * worker.
 * Run it with `npx tsx examples/task-queue.ts`.
 */
import { DistributedQueue, QueueConsumer, ZkClient } from '../src';
import { TestingServer } from '../src/testing';

interface Job {
  id: number;
  kind: 'resize' | 'flaky' | 'poison' | 'slow';
}

function log(who: string, message: string): void {
  console.log(`${new Date().toISOString().slice(11, 23)} [${who}] ${message}`);
}

async function main(): Promise<void> {
  const server = await TestingServer.start();
  const connect = (): Promise<ZkClient> => ZkClient.connect({ connectString: server.connectString, namespace: 'task-queue', sessionTimeoutMs: 3000 });
  const options = { maxAttempts: 3, deadLetterPath: '/jobs-dead' };
  const clients = await Promise.all([connect(), connect(), connect(), connect()]);
  try {
    const [producer, ...workerClients] = clients;
    const jobs = new DistributedQueue<Job>(producer, '/jobs', options);
    await jobs.putMany([
      { id: 1, kind: 'resize' },
      { id: 2, kind: 'flaky' },
      { id: 3, kind: 'slow' },
      { id: 4, kind: 'poison' },
      ...Array.from({ length: 6 }, (_, i) => ({ id: 5 + i, kind: 'resize' as const })),
    ]);
    log('producer', `queued 10 jobs (${await jobs.size()} in /jobs)`);

    const done = new Set<number>();
    let allDone!: () => void;
    const finished = new Promise<void>((resolve) => (allDone = resolve));
    let deadLettered!: () => void;
    const poisonGone = new Promise<void>((resolve) => (deadLettered = resolve));
    let slowStarted!: () => void;
    const slowRunning = new Promise<void>((resolve) => (slowStarted = resolve));
    const consumers = workerClients.map((client, i) => {
      const name = `worker-${i + 1}`;
      const consumer = new QueueConsumer(new DistributedQueue<Job>(client, '/jobs', options), async (job, { attempts, signal }) => {
        log(name, `job ${job.id} (${job.kind}), attempt ${attempts + 1}`);
        if (job.kind === 'flaky' && attempts < 2) throw new Error('flaky dependency');
        if (job.kind === 'poison') throw new Error('cannot parse job');
        if (job.kind === 'slow' && name === 'worker-1') {
          slowStarted();
          // worker-1 dies while on it; the wait ends when its consumer closes.
          await new Promise((_resolve, reject) => signal.addEventListener('abort', () => reject(signal.reason as Error), { once: true }));
        }
        done.add(job.id);
        if (done.size === 9) allDone(); // every job but the poison one
      });
      consumer.on('failed', (error, info) => {
        log(name, `job ${info.name} failed (${error.message}): ${info.outcome}`);
        if (info.outcome === 'dead-lettered') deadLettered();
      });
      return consumer;
    });
    await consumers[0]!.start(); // worker-1 first, so it is the one that gets the slow job
    await slowRunning;
    for (const consumer of consumers.slice(1)) await consumer.start();

    log('demo', 'worker-1 dies in the middle of the slow job: its session ends, its claim goes');
    await workerClients[0].close();
    await Promise.all([finished, poisonGone]);
    const { children: dead } = await producer.getChildren('/jobs-dead');
    log('demo', `all jobs done but one; dead letters: ${dead.join(', ')}`);
    await Promise.all(consumers.map((consumer) => consumer.close()));
  } finally {
    await Promise.all(clients.map((client) => client.close()));
    await server.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
