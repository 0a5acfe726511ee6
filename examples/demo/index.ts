/**
 * The demo (`npm run demo`): one narrated run of the master–worker system on an embedded 3-node ZooKeeper
 * ensemble, in separate processes that each have their own ZkClient — two masters (master.ts) elect one with
 * LeaderLatch, three workers (worker.ts) join with GroupMember and register with ServiceDiscovery, the leading
 * master finds them through discovery and puts tasks on a lock-safe DistributedQueue that the workers consume,
 * and the operator (this process) changes the workers' ConfigCache setting live. Mid-run it kills the ZooKeeper
 * server the leading master is connected to, then SIGKILLs the leading master itself, and shows the take-over.
 * At the end an independent checker (checker.ts), fed only by the processes' reports, checks that there never
 * were two masters at once and that no task was lost; the exit code says whether it passed.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import * as readline from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { ConfigCache, ZkClient } from '../../src';
import { TestingCluster } from '../../src/testing';
import { Checker } from './checker';
import { isWorkConfig, NAMESPACE, TOTAL_TASKS, WORK_CONFIG, type ReportedEvent, type WorkConfig } from './protocol';

const MASTERS = ['master-1', 'master-2'];
const WORKERS = ['worker-1', 'worker-2', 'worker-3'];
/** A task's cost before and after the operator's change: slower work lets a backlog build up for the take-over. */
const WORK_MS_BEFORE = 300;
const WORK_MS_AFTER = 1200;
/** How long to wait for any one step; generous, as JVMs and processes start slowly on a busy machine. */
const STEP_TIMEOUT_MS = 120_000;
/** A pause between the acts, only so a reader can follow the story. */
const NARRATION_PAUSE_MS = 500;

const started = Date.now();
const colours = process.stdout.isTTY && !process.env.NO_COLOR;
const PALETTE: Record<string, number> = { demo: 1, operator: 35, checker: 1, 'master-1': 36, 'master-2': 34, 'worker-1': 32, 'worker-2': 33, 'worker-3': 92 };

/** Prints one line of the story: time since start, who, what. Colour codes only on a terminal. */
function print(who: string, text: string, t = Date.now()): void {
  const offset = `+${((t - started) / 1000).toFixed(1).padStart(5)}s`;
  const name = who.padEnd(9);
  console.log(colours ? `\x1b[2m${offset}\x1b[0m \x1b[${PALETTE[who] ?? 0}m${name}\x1b[0m ${text}` : `${offset} ${name} ${text}`);
}

/** The processes' events as they arrive, and waits on them. */
class Events {
  readonly seen: ReportedEvent[] = [];
  private readonly listeners = new Set<() => void>();
  private failure: Error | undefined;

  add(event: ReportedEvent): void {
    this.seen.push(event);
    for (const listener of this.listeners) listener();
  }

  /** Makes every wait, current and future, reject: a process died that should not have, or Ctrl-C. */
  fail(error: Error): void {
    this.failure ??= error;
    for (const listener of this.listeners) listener();
  }

  /** Resolves with the first event (from the start of the run) that `matches`. */
  waitFor(what: string, matches: (event: ReportedEvent) => boolean): Promise<ReportedEvent> {
    return this.probe(what, () => this.seen.find(matches));
  }

  /** Resolves once `condition` holds (re-checked on every event). */
  async until(what: string, condition: () => boolean): Promise<void> {
    await this.probe(what, () => (condition() ? true : undefined));
  }

  private probe<T>(what: string, look: () => T | undefined): Promise<T> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => finish(new Error(`timed out after ${STEP_TIMEOUT_MS / 1000} s waiting for ${what}`)), STEP_TIMEOUT_MS);
      const finish = (error: Error | undefined, found?: T): void => {
        clearTimeout(timer);
        this.listeners.delete(check);
        if (error) reject(error);
        else resolve(found!);
      };
      const check = (): void => {
        if (this.failure) {
          finish(this.failure);
          return;
        }
        const found = look();
        if (found !== undefined) finish(undefined, found);
      };
      this.listeners.add(check);
      check();
    });
  }
}

const events = new Events();
const checker = new Checker();
const children = new Map<string, ChildProcess>();
/** Children that are meant to exit now (killed by the story, or stopped at the end). */
const expectedExits = new Set<string>();

/** Starts a master or worker as a child process with its own ZkClient; its reports feed the story and the checker. */
function startChild(name: string, role: 'master' | 'worker', connectString: string): void {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(__dirname, `${role}.ts`), name, connectString], { stdio: ['pipe', 'pipe', 'pipe'] });
  children.set(name, child);
  readline.createInterface({ input: child.stdout }).on('line', (line) => {
    let event: ReportedEvent;
    try {
      event = JSON.parse(line) as ReportedEvent;
    } catch {
      print(name, line);
      return;
    }
    print(event.who, event.text, event.t);
    checker.feed(event);
    events.add(event);
  });
  readline.createInterface({ input: child.stderr }).on('line', (line) => print(name, `(stderr) ${line}`));
  child.on('exit', (code, signal) => {
    children.delete(name);
    if (!expectedExits.has(name)) events.fail(new Error(`${name} exited unexpectedly (${signal ?? `code ${code}`})`));
  });
}

/** Stops every child still running: SIGTERM (they leave the election and the group), SIGKILL if one hangs. */
async function stopChildren(): Promise<void> {
  const running = [...children.entries()];
  for (const [name, child] of running) {
    expectedExits.add(name);
    child.kill('SIGTERM');
  }
  await Promise.all(
    running.map(async ([, child]) => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
    }),
  );
}

async function story(cluster: TestingCluster, operator: ZkClient): Promise<void> {
  const config = new ConfigCache<WorkConfig>(operator, WORK_CONFIG, { validate: isWorkConfig });
  await config.start();
  await config.set({ workMs: WORK_MS_BEFORE });
  print('operator', `set the workers' config ${WORK_CONFIG}: a task takes ${WORK_MS_BEFORE} ms`);

  print('demo', `--- 1. ${MASTERS.length} masters and ${WORKERS.length} workers start, each a process with its own ZooKeeper session`);
  for (const name of MASTERS) startChild(name, 'master', cluster.connectString);
  for (const name of WORKERS) startChild(name, 'worker', cluster.connectString);
  await events.waitFor('a leading master', (e) => e.kind === 'lead');
  for (const name of WORKERS) await events.waitFor(`${name} to join`, (e) => e.kind === 'joined' && e.who === name);

  await events.until('4 tasks done', () => checker.doneCount >= 4);
  await sleep(NARRATION_PAUSE_MS);
  print('demo', '--- 2. the operator changes the config; every worker sees it live (a ConfigCache watch)');
  await config.set({ workMs: WORK_MS_AFTER });
  print('operator', `set ${WORK_CONFIG}: a task takes ${WORK_MS_AFTER} ms now`);
  for (const name of WORKERS) await events.waitFor(`${name} to see the new config`, (e) => e.kind === 'config' && e.who === name && e.workMs === WORK_MS_AFTER);

  await untilPuts(12);
  await sleep(NARRATION_PAUSE_MS);
  const leader = await leadingMaster();
  const port = serverPortOf(leader);
  const member = cluster.servers.find((s) => s.clientPort === port);
  if (!member) throw new Error(`cannot tell which ZooKeeper server ${leader} is connected to`);
  print('demo', `--- 3. ZooKeeper server ${member.id} (port ${port}), the one ${leader} is connected to, is killed (SIGKILL)`);
  const serverKilledAt = Date.now();
  await cluster.kill(member.index);
  print('demo', `server ${member.id} is down; the ensemble goes on with ${cluster.size - 1} of ${cluster.size} servers (a quorum)`);
  const relead = await events.waitFor('a leading master after the server died', (e) => e.kind === 'lead' && e.t > serverKilledAt);
  await events.waitFor('a task put after the server died', (e) => e.kind === 'put' && e.t > relead.t);
  print('demo', `${relead.who} leads again ${((relead.t - serverKilledAt) / 1000).toFixed(1)} s after the server died, and tasks flow on`);

  // Six more tasks under the reconnected leader, but never more than there are, whatever the pace.
  await untilPuts(Math.min(checker.putCount + 6, TOTAL_TASKS - 6));
  await sleep(NARRATION_PAUSE_MS);
  const doomed = await leadingMaster();
  const doomedProcess = children.get(doomed);
  if (!doomedProcess) throw new Error(`${doomed} leads but is not running`);
  print('demo', `--- 4. the leading master, ${doomed} (pid ${doomedProcess.pid}), is killed (SIGKILL): its session lives on until it times out`);
  expectedExits.add(doomed);
  const masterKilledAt = Date.now();
  checker.killed(doomed, masterKilledAt);
  doomedProcess.kill('SIGKILL');
  const successor = await events.waitFor('a new leading master', (e) => e.kind === 'lead' && e.t > masterKilledAt && e.who !== doomed);
  print('demo', `${successor.who} took over ${((successor.t - masterKilledAt) / 1000).toFixed(1)} s after ${doomed} died (its session had to expire first)`);

  print('demo', '--- 5. the new master puts the rest; the workers finish what is queued, also what the dead master put');
  await events.until('every task to be put and done', () => checker.finished());
  await sleep(NARRATION_PAUSE_MS);
  await config.close();
}

/** The leading master; waits while none leads (a busy machine can suspend a session for a moment). */
async function leadingMaster(): Promise<string> {
  await events.until('a leading master', () => checker.leader() !== undefined);
  return checker.leader()!;
}

/** The client port of the ZooKeeper server `who` last reported being connected to (from its session's server). */
function serverPortOf(who: string): number | undefined {
  for (const event of [...events.seen].reverse()) {
    if (event.who === who && (event.kind === 'lead' || event.kind === 'connection') && event.server !== undefined) return Number(event.server.split(':').pop());
  }
  return undefined;
}

/** Waits until the masters have put `count` tasks. */
function untilPuts(count: number): Promise<void> {
  return events.until(`${count} tasks put`, () => checker.putCount >= count);
}

async function main(): Promise<number> {
  print('demo', 'zk-recipes: a master–worker system on ZooKeeper. Starting an embedded 3-server ZooKeeper ensemble ...');
  const cluster = await TestingCluster.start({ size: 3 });
  let failed: Error | undefined;
  const interrupt = (): void => events.fail(new Error('interrupted'));
  process.once('SIGINT', interrupt);
  process.once('SIGTERM', interrupt);
  try {
    print('demo', `the ensemble is up: ${cluster.connectString} (ZooKeeper leader: server ${((await cluster.leaderIndex()) ?? -1) + 1})`);
    const operator = await ZkClient.connect({ connectString: cluster.connectString, namespace: NAMESPACE });
    try {
      await story(cluster, operator);
    } catch (error) {
      failed = error as Error;
      print('demo', `the story stopped: ${failed.message}`);
    } finally {
      print('demo', 'stopping the masters and workers (SIGTERM: they leave the election and the group) ...');
      await stopChildren();
      await operator.close();
    }
  } finally {
    await cluster.stop();
    print('demo', 'the ensemble is stopped');
  }

  const verdict = checker.verdict(WORKERS, WORK_MS_AFTER);
  print('checker', `${TOTAL_TASKS} tasks; what the processes reported, checked:`);
  for (const line of verdict.lines) print('checker', colours ? line.replace(/^ok {2}/, '\x1b[32mok\x1b[0m  ').replace(/^FAIL/, '\x1b[31mFAIL\x1b[0m') : line);
  const ok = verdict.ok && !failed;
  print('demo', ok ? `all invariants hold; done in ${((Date.now() - started) / 1000).toFixed(0)} s` : `FAILED${failed ? ` (${failed.message})` : ''}`);
  return ok ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  async (error: unknown) => {
    console.error(error);
    await stopChildren();
    process.exit(1);
  },
);
