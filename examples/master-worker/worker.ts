/**
 * A worker: registers in the group with GroupMember (its node goes when its session does), runs the tasks
 * assigned to it under /assign/<worker>, and writes each result to /status/<task>.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { GroupMember, type Watcher, type ZkClient } from '../../src';
import { ASSIGN, say, STATUS, WORKERS } from './layout';

export class Worker {
  readonly member: GroupMember;
  private assignments: Watcher<string[]> | undefined;
  private readonly running = new Set<string>();
  private readonly stopping = new AbortController();

  constructor(
    readonly client: ZkClient,
    readonly id: string,
    private readonly workMs: number,
  ) {
    this.member = new GroupMember(client, WORKERS, { id, data: JSON.stringify({ workMs }) });
  }

  async start(): Promise<void> {
    await this.member.start();
    this.assignments = this.client.watchChildren(`${ASSIGN}/${this.id}`);
    this.assignments.on('change', ({ value }) => {
      for (const task of value ?? []) if (!this.running.has(task)) void this.run(task);
    });
    say(this.id, 'registered as a worker');
  }

  private async run(task: string): Promise<void> {
    this.running.add(task);
    try {
      const { data } = await this.client.getData(`${ASSIGN}/${this.id}/${task}`);
      await sleep(this.workMs, undefined, { signal: this.stopping.signal });
      const result = `${data.toString().toUpperCase()} (done by ${this.id})`;
      await this.client.transaction().create(`${STATUS}/${task}`, result).delete(`${ASSIGN}/${this.id}/${task}`).commit();
      say(this.id, `finished ${task}`);
    } catch (error) {
      if (this.stopping.signal.aborted) say(this.id, `stopped before finishing ${task}`);
      else say(this.id, `could not finish ${task}: ${String(error)}`);
    } finally {
      this.running.delete(task);
    }
  }

  async close(): Promise<void> {
    this.stopping.abort();
    await this.assignments?.close();
    await this.member.close();
  }
}
