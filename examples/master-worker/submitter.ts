/** A client of the system: puts a task into the /tasks queue and waits for its status. */
import { randomUUID } from 'node:crypto';
import { DistributedQueue, type ZkClient } from '../../src';
import { say, STATUS, TASKS, type Task } from './layout';

export async function submit(client: ZkClient, payload: string): Promise<{ task: string; result: Promise<string> }> {
  const task = `task-${randomUUID().slice(0, 8)}`;
  // Watch the status first, so a task done at once is not missed.
  const status = client.watchData(`${STATUS}/${task}`);
  await status.ready();
  await new DistributedQueue<Task>(client, TASKS).put({ id: task, payload });
  say('client', `submitted ${task}: "${payload}"`);
  const result = (async () => {
    for await (const { value } of status) {
      if (value !== undefined) {
        await status.close();
        say('client', `${task} is done: ${value.toString()}`);
        return value.toString();
      }
    }
    throw new Error(`stopped watching ${task}`);
  })();
  return { task, result };
}
