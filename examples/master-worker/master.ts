/**
 * A master: masters elect one leader with a LeaderLatch; the leader consumes the /tasks queue and assigns
 * each task to a live worker, and puts the tasks of a worker that dies back into the queue. The queue is
 * lock-safe: a task leaves /tasks only once its assignment is written, so a master that dies mid-assignment
 * loses nothing — the backup master gets the task again. Everything a master needs is in ZooKeeper.
 */
import { DistributedQueue, isZkError, LeaderLatch, type Leadership, type Watcher, type ZkClient } from '../../src';
import { ASSIGN, MASTER, say, TASKS, WORKERS, type Task } from './layout';

export class Master {
  readonly latch: LeaderLatch;
  private readonly tasks: DistributedQueue<Task>;
  private next = 0;

  constructor(
    readonly client: ZkClient,
    readonly id: string,
  ) {
    this.tasks = new DistributedQueue<Task>(client, TASKS);
    this.latch = new LeaderLatch(client, MASTER, { id });
    this.latch.on('isLeader', (leadership) => void this.lead(leadership));
    this.latch.on('notLeader', (reason) => say(this.id, `is no longer the leading master (${reason})`));
  }

  async start(): Promise<void> {
    await this.latch.start();
    say(this.id, 'joined the masters election');
  }

  /** Leads until the term's signal aborts: recovers the tasks of dead workers, assigns queued tasks. */
  private async lead(leadership: Leadership): Promise<void> {
    say(this.id, `is the leading master (fencing token ${leadership.fencingToken})`);
    const { signal } = leadership;
    const workers = this.client.watchChildren(WORKERS);
    signal.addEventListener('abort', () => void workers.close(), { once: true });
    workers.on('change', ({ value }) => {
      if (!signal.aborted) void this.recoverTasksOfDeadWorkers(leadership, new Set(value ?? [])).catch((error: unknown) => say(this.id, `recovery failed: ${String(error)}`));
    });
    await workers.ready();
    // One task at a time; a task whose assignment fails goes back to the tail of /tasks.
    await this.tasks.consume((task) => this.assign(leadership, task, workers), { signal }).catch((error: unknown) => {
      if (!signal.aborted) say(this.id, `stopped assigning: ${String(error)}`);
    });
  }

  /** Writes /assign/<worker>/<task>, checking in the same transaction that this master still leads. */
  private async assign(leadership: Leadership, task: Task, workers: Watcher<string[]>): Promise<void> {
    const live = workers.current?.value ?? [];
    if (live.length === 0) throw new Error(`no live worker for ${task.id}`);
    const worker = live[this.next++ % live.length]!;
    await this.client.create(`${ASSIGN}/${worker}`).catch((error: unknown) => {
      if (!isZkError(error, 'NODE_EXISTS')) throw error;
    });
    await this.client.transaction().check(leadership.node).create(`${ASSIGN}/${worker}/${task.id}`, task.payload).commit({ signal: leadership.signal });
    say(this.id, `assigned ${task.id} to ${worker}`);
  }

  /** Tasks assigned to workers that are gone go back into the /tasks queue. */
  private async recoverTasksOfDeadWorkers(leadership: Leadership, live: Set<string>): Promise<void> {
    const { children: assigned } = await this.client.getChildren(ASSIGN);
    for (const worker of assigned.filter((w) => !live.has(w))) {
      const { children: orphans } = await this.client.getChildren(`${ASSIGN}/${worker}`);
      for (const id of orphans) {
        if (leadership.signal.aborted) return;
        const { data } = await this.client.getData(`${ASSIGN}/${worker}/${id}`);
        // Back into the queue first, then off the dead worker: a crash in between queues it twice, never loses it.
        await this.tasks.put({ id, payload: data.toString() });
        await this.client.delete(`${ASSIGN}/${worker}/${id}`).catch(() => undefined);
        say(this.id, `took ${id} back from dead ${worker}`);
      }
      await this.client.delete(`${ASSIGN}/${worker}`).catch(() => undefined);
    }
  }

  async close(): Promise<void> {
    await this.latch.close();
  }
}
