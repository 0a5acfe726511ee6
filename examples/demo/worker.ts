/**
 * A worker of the demo (a child process of examples/demo/index.ts): its own ZkClient; joins the /workers group
 * with GroupMember, registers itself with ServiceDiscovery so masters can find it, follows the operator's
 * WorkConfig live through a ConfigCache, and consumes the lock-safe task queue with a QueueConsumer: a task
 * it claimed but did not finish (it died, its session ended) goes back to the queue for another worker.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { ConfigCache, DistributedQueue, GroupMember, QueueConsumer, ServiceDiscovery, serviceInstance } from '../../src';
import { childProcess, isWorkConfig, runChild, SERVICES, TASKS, WORK_CONFIG, WORKER_SERVICE, WORKERS, type Task, type WorkConfig } from './protocol';

const { name, client, say } = childProcess();
const member = new GroupMember(client, WORKERS, { id: name, data: JSON.stringify({ pid: process.pid }) });
const discovery = new ServiceDiscovery(client, { basePath: SERVICES });
const config = new ConfigCache<WorkConfig>(client, WORK_CONFIG, { validate: isWorkConfig, defaultValue: { workMs: 500 } });
const consumer = new QueueConsumer(new DistributedQueue<Task>(client, TASKS), async (task, { signal }) => {
  await sleep(config.get()!.workMs, undefined, { signal });
  say({ kind: 'done', task: task.id, by: task.by, token: task.token }, `did ${task.id} (put by ${task.by}, token ${task.token})`);
});
consumer.on('failed', (error, info) => say({ kind: 'info' }, `a task failed and went back (${info.outcome}): ${error.message}`));

async function main(): Promise<void> {
  await client.start();
  await config.start();
  say({ kind: 'config', workMs: config.get()!.workMs }, `read the config: a task takes ${config.get()!.workMs} ms`);
  // Only from here on: the first read above is not a change.
  config.on('change', ({ value, previous }) => {
    if (value) say({ kind: 'config', workMs: value.workMs }, `saw the config change live: a task now takes ${value.workMs} ms (was ${previous?.workMs ?? '?'} ms)`);
  });
  await member.start();
  say({ kind: 'joined' }, `joined the group ${WORKERS} (members now: ${[...member.members().keys()].join(', ')})`);
  await discovery.start();
  await discovery.register(serviceInstance({ name: WORKER_SERVICE, id: name, address: '127.0.0.1', payload: { pid: process.pid } }));
  await consumer.start();
}

runChild(say, main, async () => {
  await consumer.close();
  await discovery.close();
  await member.close();
  await config.close();
  await client.close();
});
