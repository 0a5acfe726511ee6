/**
 * A master of the demo (a child process of examples/demo/index.ts): its own ZkClient; masters elect one with a
 * LeaderLatch. The leading master follows its workers through service discovery (a ServiceCache), numbers
 * tasks with an AtomicCounter and puts them on the lock-safe DistributedQueue, paced, until TOTAL_TASKS are
 * numbered. A master that takes over continues the numbering where the last one stopped; what the last one
 * put stays queued.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { AtomicCounter, DistributedQueue, LeaderLatch, ServiceCache, ServiceDiscovery, type Leadership, type ServiceInstance } from '../../src';
import { childProcess, MASTERS, runChild, SERVICES, TASK_IDS, TASKS, TOTAL_TASKS, WORKER_SERVICE, type Task } from './protocol';

/** Time between two tasks: slow enough that the story can be followed, fast enough to end in about a minute. */
const PACE_MS = 250;

const { name, client, server, say } = childProcess();
const discovery = new ServiceDiscovery(client, { basePath: SERVICES });
const tasks = new DistributedQueue<Task>(client, TASKS);
const ids = new AtomicCounter(client, TASK_IDS);
const latch = new LeaderLatch(client, MASTERS, { id: name });
// Every master follows the workers' registrations, so one that takes over knows them at once.
const workers = new ServiceCache(discovery, WORKER_SERVICE);
workers.on('change', (instances) => {
  if (latch.hasLeadership()) sayWorkers(instances);
});

latch.on('isLeader', (leadership) => {
  lead(leadership).catch((error: unknown) => {
    if (!leadership.signal.aborted) say({ kind: 'info' }, `stopped leading on an error: ${String(error)}`);
  });
});
latch.on('notLeader', (reason) => say({ kind: 'unlead', reason }, `is no longer the leading master (${reason})`));

function sayWorkers(instances: ServiceInstance[]): void {
  const found = instances.map((instance) => `${instance.id} (pid ${String((instance.payload as { pid?: number } | null)?.pid)})`);
  say({ kind: 'discovered', workers: instances.map((instance) => instance.id) }, `sees ${instances.length} worker${instances.length === 1 ? '' : 's'} through service discovery: ${found.join(', ') || 'none yet'}`);
}

/** One term: say which workers it sees, then put tasks until all are numbered or the term ends. */
async function lead(leadership: Leadership): Promise<void> {
  const { signal, fencingToken } = leadership;
  const token = `0x${fencingToken.toString(16)}`;
  say({ kind: 'lead', token, server: server() }, `is the leading master (fencing token ${token}, via ZooKeeper ${server() ?? '?'})`);
  sayWorkers(workers.instances());
  while (!signal.aborted) {
    const startedAt = Date.now();
    const counted = await ids.increment({ signal });
    if (!counted.succeeded) continue;
    const n = Number(counted.postValue);
    if (n > TOTAL_TASKS) {
      say({ kind: 'all-put' }, `all ${TOTAL_TASKS} tasks are on the queue`);
      return;
    }
    const task: Task = { id: `task-${String(n).padStart(2, '0')}`, token, by: name };
    // Fenced by the term: once this master's election node is gone (another may lead by now), the put is
    // refused with nothing written. The checker also judges that each put was decided inside a term.
    await tasks.put(task, { guard: leadership });
    say({ kind: 'put', task: task.id, token, startedAt }, `put ${task.id} on the queue`);
    await sleep(PACE_MS, undefined, { signal }).catch(() => undefined);
  }
}

async function main(): Promise<void> {
  await client.start();
  await discovery.start();
  await workers.start();
  await latch.start();
  say({ kind: 'candidate' }, 'joined the masters election');
}

runChild(say, main, async () => {
  await latch.close();
  await workers.close();
  await discovery.close();
  await client.close();
});
