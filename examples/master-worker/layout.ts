/**
 * The master–worker layout (as in "ZooKeeper: Distributed Process Coordination", ch. 4):
 *
 *   /master                 LeaderLatch: the masters' election
 *   /workers/<worker>       GroupMember: one ephemeral node per live worker
 *   /tasks/queue-<seq>      a DistributedQueue of submitted tasks, not yet assigned (data: { id, payload })
 *   /tasks-locks/<item>     the leading master's claim on the task it is assigning (lock-safe queue)
 *   /assign/<worker>/<task> assigned to a worker (data: the task)
 *   /status/<task>          written by the worker when done (data: the result)
 */
export const MASTER = '/master';
export const WORKERS = '/workers';
export const TASKS = '/tasks';
export const ASSIGN = '/assign';
export const STATUS = '/status';

/** A submitted task, as it travels through the /tasks queue. */
export interface Task {
  /** The task's name under /assign/<worker> and /status. */
  id: string;
  /** What to do. */
  payload: string;
}

/** Prints one line of the story, with a time stamp and who says it. */
export function say(who: string, message: string): void {
  const time = new Date().toISOString().slice(11, 23);
  console.log(`${time} ${who.padEnd(9)} ${message}`);
}
