/**
 * What the demo's processes share: the ZooKeeper layout, the task and config shapes, and the one-JSON-line-
 * per-event protocol by which masters and workers tell the orchestrator (examples/demo/index.ts) what they
 * did. The orchestrator prints each event as a line of the story and feeds it to the invariant checker, so
 * the checker judges what the processes report, not what the orchestrator hoped would happen.
 *
 *   /demo/masters/…            LeaderLatch of the masters
 *   /demo/workers/<worker>     GroupMember: one ephemeral node per live worker
 *   /demo/services/worker/<id> ServiceDiscovery: the workers' instances (Curator's ServiceInstance JSON)
 *   /demo/tasks, /tasks-locks  DistributedQueue of tasks, lock-safe (a claimed task comes back if its worker dies)
 *   /demo/task-ids             AtomicCounter numbering the tasks across masters
 *   /demo/config/work          ConfigCache<WorkConfig>: how long a task takes, changed live by the operator
 */
import { ZkClient } from '../../src';

export const NAMESPACE = 'demo';
export const MASTERS = '/masters';
export const WORKERS = '/workers';
export const SERVICES = '/services';
export const WORKER_SERVICE = 'worker';
export const TASKS = '/tasks';
export const TASK_IDS = '/task-ids';
export const WORK_CONFIG = '/config/work';

/** Tasks the masters put in all; the demo ends once every one that was put is done. */
export const TOTAL_TASKS = 36;
/**
 * Session timeout of every demo process. A SIGKILLed master's latch node goes when its session expires, so
 * this is also about how long the take-over takes; long enough that a busy machine does not expire healthy
 * sessions while a ZooKeeper server is down.
 */
export const SESSION_TIMEOUT_MS = 6000;

/** A task on the queue. */
export interface Task {
  id: string;
  /** Fencing token of the master's term that put it. */
  token: string;
  /** The master that put it. */
  by: string;
}

/** The workers' live setting. */
export interface WorkConfig {
  /** How long one task takes a worker. */
  workMs: number;
}

export function isWorkConfig(value: WorkConfig): boolean {
  return typeof value === 'object' && value !== null && Number.isInteger(value.workMs) && value.workMs >= 0;
}

/** One event a process reports; `text` is its line of the story, the other fields are for the checker. */
export type DemoEvent =
  | { kind: 'info' }
  | { kind: 'connection'; state: string; server: string | undefined }
  | { kind: 'candidate' }
  | { kind: 'lead'; token: string; server: string | undefined }
  | { kind: 'unlead'; reason: string }
  | { kind: 'discovered'; workers: string[] }
  /** `startedAt`: when the master decided to put it (while leading); the put itself may finish a little later. */
  | { kind: 'put'; task: string; token: string; startedAt: number }
  | { kind: 'all-put' }
  | { kind: 'joined' }
  | { kind: 'config'; workMs: number }
  | { kind: 'done'; task: string; by: string; token: string };

/** An event as it travels: who reported it, when (epoch ms), and its line of the story. */
export type ReportedEvent = DemoEvent & { who: string; t: number; text: string };

/** Reports an event to the orchestrator: one JSON line on stdout (synchronous on a pipe, so a SIGKILL loses nothing written). */
export function report(who: string, event: DemoEvent, text: string): void {
  process.stdout.write(`${JSON.stringify({ ...event, who, t: Date.now(), text })}\n`);
}

/** What a child process starts with: its name, a client of its own (not yet started) that reports its connection states, and `say`. */
export function childProcess(): { name: string; client: ZkClient; server: () => string | undefined; say: (event: DemoEvent, text: string) => void } {
  const [name, connectString] = process.argv.slice(2);
  if (!name || !connectString) throw new Error('usage: <name> <connectString>');
  const say = (event: DemoEvent, text: string): void => report(name, event, text);
  const client = new ZkClient({ connectString, namespace: NAMESPACE, sessionTimeoutMs: SESSION_TIMEOUT_MS });
  const server = (): string | undefined => client.sessionCredentials()?.server;
  client.on('state', (state) => say({ kind: 'connection', state, server: server() }, `ZooKeeper connection ${state}${server() ? ` (server ${server()})` : ''}`));
  return { name, client, server, say };
}

/**
 * Runs a child process: `main`, then until SIGTERM/SIGINT or until the orchestrator goes away (its end of
 * stdin closes — a child must not outlive it); then `close` once, and exit. A failing `main` is reported.
 */
export function runChild(say: (event: DemoEvent, text: string) => void, main: () => Promise<void>, close: () => Promise<void>): void {
  let closing: Promise<void> | undefined;
  const stop = (): void => {
    closing ??= close().finally(() => process.exit(0));
    // A close that waits on a server that is gone must not keep the process: the orchestrator waits for it.
    setTimeout(() => process.exit(0), 10_000).unref();
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  process.stdin.on('end', stop);
  process.stdin.resume();
  main().catch((error: unknown) => {
    say({ kind: 'info' }, `failed: ${String(error)}`);
    process.exit(1);
  });
}
