/** A client of the system: submits a task as a sequential znode and waits for its status. */
import { nodeName, type ZkClient } from '../../src';
import { say, STATUS, TASKS } from './layout';

export async function submit(client: ZkClient, payload: string): Promise<{ task: string; result: Promise<string> }> {
  const task = nodeName(await client.create(`${TASKS}/task-`, payload, { mode: 'persistent-sequential' }));
  say('client', `submitted ${task}: "${payload}"`);
  const status = client.watchData(`${STATUS}/${task}`);
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
