/**
 * The master–worker system on an embedded ZooKeeper: two masters elect one with LeaderLatch, three workers
 * register with GroupMember, a client puts tasks into the /tasks DistributedQueue and waits for their
 * status; the leading master takes them from the queue and assigns them under /assign. Then the leading
 * master dies (its session ends) and the backup takes over; then a worker dies holding a task, and the
 * master puts that task back into the queue for a live worker. Run: `npx tsx examples/master-worker/index.ts`.
 */
import { isZkError, ZkClient } from '../../src';
import { TestingServer } from '../../src/testing';
import { ASSIGN, say, STATUS, TASKS, WORKERS } from './layout';
import { Master } from './master';
import { submit } from './submitter';
import { Worker } from './worker';

async function main(): Promise<void> {
  say('demo', 'starting an embedded ZooKeeper ...');
  const server = await TestingServer.start();
  const clients: ZkClient[] = [];
  const connect = async (): Promise<ZkClient> => {
    const client = await ZkClient.connect({ connectString: server.connectString, namespace: 'master-worker', sessionTimeoutMs: 3000 });
    clients.push(client);
    return client;
  };
  try {
    const admin = await connect();
    for (const path of [TASKS, ASSIGN, STATUS, WORKERS]) {
      await admin.create(path).catch((error: unknown) => {
        if (!isZkError(error, 'NODE_EXISTS')) throw error;
      });
    }

    const masters = [new Master(await connect(), 'master-1'), new Master(await connect(), 'master-2')];
    await masters[0]!.start();
    await masters[0]!.latch.waitForLeadership();
    await masters[1]!.start();
    const workers = [new Worker(await connect(), 'worker-1', 100), new Worker(await connect(), 'worker-2', 60_000), new Worker(await connect(), 'worker-3', 100)];
    for (const worker of workers) await worker.start();
    const submitter = await connect();

    say('demo', '--- 1. tasks are assigned to live workers and done');
    const submitted = await Promise.all(['alpha', 'beta', 'gamma'].map((payload) => submit(submitter, payload)));
    // worker-2 is slow: a task would take it a minute. Once it has one, the others finish without it.
    let held: string[] = [];
    await waitFor(async () => {
      held = (await admin.getChildren(`${ASSIGN}/worker-2`).catch(() => ({ children: [] as string[] }))).children;
      return held.length > 0;
    });
    const stuck = submitted.find((task) => task.task === held[0])!;
    await Promise.all(submitted.filter((task) => task !== stuck).map((task) => task.result));

    say('demo', '--- 2. the leading master dies: its session ends, the backup takes over');
    const backupLeads = masters[1]!.latch.waitForLeadership();
    await server.expireSession(masters[0]!.client);
    await masters[0]!.close();
    await backupLeads;
    const second = await submit(submitter, 'delta');
    await second.result;

    say('demo', '--- 3. worker-2 dies holding a task: the master gives it to a live worker');
    await server.expireSession(workers[1]!.client);
    await workers[1]!.close();
    const recovered = await stuck.result;

    const { children: statuses } = await admin.getChildren(STATUS);
    say('demo', `all ${statuses.length} tasks done; ${stuck.task}, stuck with worker-2, ended as: ${recovered}`);
    for (const worker of workers) await worker.close();
    for (const master of masters) await master.close();
  } finally {
    for (const client of clients) await client.close();
    await server.stop();
  }
}

/** Re-checks `condition` until it holds (for a state no event announces to this process). */
async function waitFor(condition: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
