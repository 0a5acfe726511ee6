/**
 * A master: masters elect one leader with a LeaderLatch; the leader assigns every submitted task to a live
 * worker, and hands the tasks of a worker that dies back to the queue. A backup master takes over when the
 * leader dies, and picks up where it left off (everything it needs is in ZooKeeper).
 */
import { isZkError, LeaderLatch, type Leadership, type Watcher, type ZkClient } from '../../src';
import { ASSIGN, MASTER, say, TASKS, WORKERS } from './layout';

export class Master {
  readonly latch: LeaderLatch;
  private next = 0;

  constructor(
    readonly client: ZkClient,
    readonly id: string,
  ) {
    this.latch = new LeaderLatch(client, MASTER, { id });
    this.latch.on('isLeader', (leadership) => this.lead(leadership));
    this.latch.on('notLeader', (reason) => say(this.id, `is no longer the leading master (${reason})`));
  }

  async start(): Promise<void> {
    await this.latch.start();
    say(this.id, 'joined the masters election');
  }

  /** Leads until the term's signal aborts: watches workers and tasks, assigns, recovers. */
  private lead(leadership: Leadership): void {
    say(this.id, `is the leading master (fencing token ${leadership.fencingToken})`);
    const { signal } = leadership;
    const workers = this.client.watchChildren(WORKERS);
    const tasks = this.client.watchChildren(TASKS);
    signal.addEventListener('abort', () => void Promise.all([workers.close(), tasks.close()]), { once: true });
    const work = (): void => {
      if (!signal.aborted) void this.step(leadership, workers, tasks).catch((error: unknown) => say(this.id, `step failed: ${String(error)}`));
    };
    workers.on('change', work);
    tasks.on('change', work);
  }

  /** Hands back the tasks of dead workers, then assigns every unassigned task. */
  private async step(leadership: Leadership, workers: Watcher<string[]>, tasks: Watcher<string[]>): Promise<void> {
    const live = workers.current?.value ?? [];
    await this.recoverTasksOfDeadWorkers(leadership, new Set(live));
    for (const task of tasks.current?.value ?? []) {
      if (leadership.signal.aborted || live.length === 0) return;
      const worker = live[this.next++ % live.length]!;
      await this.assign(leadership, task, worker);
    }
  }

  /**
   * Moves a task from /tasks to /assign/<worker> in one transaction that also checks this master's latch
   * node: a master whose session is gone (its node deleted) can no longer assign anything.
   */
  private async assign(leadership: Leadership, task: string, worker: string): Promise<void> {
    try {
      const { data } = await this.client.getData(`${TASKS}/${task}`);
      await this.client.create(`${ASSIGN}/${worker}`).catch((error: unknown) => {
        if (!isZkError(error, 'NODE_EXISTS')) throw error;
      });
      await this.client
        .transaction()
        .check(leadership.node)
        .create(`${ASSIGN}/${worker}/${task}`, data)
        .delete(`${TASKS}/${task}`)
        .commit({ signal: leadership.signal });
      say(this.id, `assigned ${task} to ${worker}`);
    } catch (error) {
      // Already assigned by a concurrent step, or the worker vanished meanwhile: the next change retries.
      if (!isZkError(error, 'NO_NODE', 'NODE_EXISTS') && !leadership.signal.aborted) throw error;
    }
  }

  /** Tasks assigned to workers that are gone go back to /tasks. */
  private async recoverTasksOfDeadWorkers(leadership: Leadership, live: Set<string>): Promise<void> {
    const { children: assigned } = await this.client.getChildren(ASSIGN);
    for (const worker of assigned.filter((w) => !live.has(w))) {
      const { children: orphans } = await this.client.getChildren(`${ASSIGN}/${worker}`);
      for (const task of orphans) {
        const { data } = await this.client.getData(`${ASSIGN}/${worker}/${task}`);
        await this.client
          .transaction()
          .check(leadership.node)
          .create(`${TASKS}/${task}`, data)
          .delete(`${ASSIGN}/${worker}/${task}`)
          .commit({ signal: leadership.signal })
          .then(() => say(this.id, `took ${task} back from dead ${worker}`))
          .catch((error: unknown) => {
            if (!isZkError(error, 'NO_NODE', 'NODE_EXISTS')) throw error;
          });
      }
      await this.client.delete(`${ASSIGN}/${worker}`).catch(() => undefined);
    }
  }

  async close(): Promise<void> {
    await this.latch.close();
  }
}
