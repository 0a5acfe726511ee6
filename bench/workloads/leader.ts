/**
 * Leader failover, 3 LeaderLatch participants, each in its own process (as in production):
 * - `leader.failover`: the leader closes its client; timed from just before close() to another participant's
 *   `isLeader` (both stamps from the monotonic clock, comparable across processes on Linux);
 * - `leader.failover.crash`: the leader's process is SIGKILLed; timed from just before the kill. Nobody can
 *   tell a dead leader from a slow one until its session times out, so this is bounded below by the session
 *   timeout (FAILOVER_SESSION_TIMEOUT_MS, 4000 by default: the least bench-peers' server, tickTime 2 s, grants).
 * Like the Curator and kazoo peers, a probe also watches the leader's node, splitting the time into "the old
 * session ended" (`node_gone_median_us`) and "the recipe reacted".
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { LeaderLatch } from '../library';
import type { WorkloadContext } from '../context';
import { size } from '../env';
import { latency, nowNs, round1 } from '../stats';

interface ParticipantEvent {
  id: string;
  kind: string;
  at: number;
}

/** Child-process mode: prints `LEADER <ns>` when elected; on stdin `close` prints `CLOSING <ns>` and closes. */
export async function participant(ctx: WorkloadContext, id: string): Promise<void> {
  const sessionTimeoutMs = size('FAILOVER_SESSION_TIMEOUT_MS', 15000);
  // Warm the close path once first so that cold code is not what is timed.
  const warmClient = await ctx.connect(sessionTimeoutMs);
  const warmLatch = new LeaderLatch(warmClient, `${ctx.root}/leader-warmup/${id}`, { id });
  await warmLatch.start();
  await warmLatch.waitForLeadership({ timeoutMs: 10_000 });
  await warmClient.close();

  const client = await ctx.connect(sessionTimeoutMs);
  const latch = new LeaderLatch(client, `${ctx.root}/leader`, { id });
  latch.on('isLeader', () => process.stdout.write(`LEADER ${nowNs()}\n`));
  await latch.start();
  for await (const line of createInterface({ input: process.stdin })) {
    if (line.trim() !== 'close') continue;
    process.stdout.write(`CLOSING ${nowNs()}\n`);
    await client.close();
    return;
  }
}

/** Runs the failover rounds: the leader leaves by `close` (graceful) or `crash` (SIGKILL). */
async function failover(ctx: WorkloadContext, workload: string, mode: 'close' | 'crash', sessionTimeoutMs: number): Promise<void> {
  const rounds = size('FAILOVER_ROUNDS', 10);
  const events: ParticipantEvent[] = [];
  let wake: (() => void) | undefined;
  const processes = new Map<string, ChildProcess>();
  const exited = new Map<ChildProcess, Promise<unknown>>();
  let nextId = 0;
  const join = (): void => {
    nextId += 1;
    const id = `p${nextId}`;
    const child = spawn(process.execPath, [...process.execArgv, process.argv[1]!, 'participant', id], {
      stdio: ['pipe', 'pipe', 'inherit'],
      env: { ...process.env, FAILOVER_SESSION_TIMEOUT_MS: String(sessionTimeoutMs) },
    });
    processes.set(id, child);
    // Taken at spawn: a participant may exit before anyone waits for it.
    exited.set(child, new Promise((resolve) => child.once('exit', resolve)));
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const [kind, at] = line.split(' ');
      events.push({ id, kind: kind!, at: Number(at) });
      wake?.();
    });
  };
  const next = async (): Promise<ParticipantEvent> => {
    const deadline = Date.now() + 60_000;
    while (events.length === 0) {
      if (Date.now() > deadline) throw new Error(`${workload}: participant timed out`);
      await new Promise<void>((resolve) => {
        wake = resolve;
        setTimeout(resolve, 1000);
      });
    }
    return events.shift()!;
  };
  const probe = await ctx.connect();
  const allInLine = async (): Promise<void> => {
    // As the Curator peer does: start a round only once all three participants have their node.
    while ((await probe.getChildren(`${ctx.root}/leader`).catch(() => ({ children: [] }))).children.length !== 3) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  };
  /** The leader's node: the first latch node in sequence order. */
  const leaderNode = async (): Promise<string> => {
    const { children } = await probe.getChildren(`${ctx.root}/leader`);
    const bySequence = (name: string): string => name.slice(-10);
    return children.reduce((first, name) => (bySequence(name) < bySequence(first) ? name : first));
  };
  for (let i = 0; i < 3; i += 1) join();
  let leader = (await next()).id;
  const times: number[] = [];
  const gone: number[] = [];
  for (let k = 0; k < rounds; k += 1) {
    await allInLine();
    await new Promise((resolve) => setTimeout(resolve, 100)); // let the queue settle, as the other peers do
    let goneAt = 0;
    let onGone = (): void => undefined;
    const nodeGone = new Promise<void>((resolve) => (onGone = resolve));
    await probe.exists(`${ctx.root}/leader/${await leaderNode()}`, {
      watch: () => {
        goneAt = nowNs();
        onGone();
      },
    });
    const child = processes.get(leader)!;
    processes.delete(leader);
    let leftAt = 0;
    if (mode === 'crash') {
      leftAt = nowNs();
      child.kill('SIGKILL');
    } else {
      child.stdin!.write('close\n');
    }
    let electedAt = 0;
    let newLeader = '';
    while (leftAt === 0 || electedAt === 0) {
      const event = await next();
      if (event.kind === 'CLOSING') leftAt = event.at;
      else if (event.kind === 'LEADER' && event.id !== leader) {
        electedAt = event.at;
        newLeader = event.id;
      }
    }
    times.push(electedAt - leftAt);
    await nodeGone;
    gone.push(goneAt - leftAt);
    await exited.get(child);
    leader = newLeader;
    join();
  }
  const result = latency(times);
  console.log(
    JSON.stringify({
      peer: ctx.peer,
      workload,
      lib: ctx.lib,
      params: { participants: 3, impl: 'LeaderLatch', topology: 'process-per-participant', n: rounds, ...(mode === 'crash' ? { session_timeout_ms: sessionTimeoutMs } : {}) },
      ...result,
      median_ms: round1(result.median_us / 1e3),
      node_gone_median_us: latency(gone).median_us,
    }),
  );
  await probe.close();
  for (const child of processes.values()) child.stdin!.write('close\n');
  await Promise.all([...processes.values()].map((child) => exited.get(child)));
}

/** The leader workloads by name. */
export const leaderWorkloads: Record<string, (ctx: WorkloadContext) => Promise<void>> = {
  'leader.failover': (ctx) => failover(ctx, 'leader.failover', 'close', 15000),
  'leader.failover.crash': (ctx) =>
    failover(ctx, 'leader.failover.crash', 'crash', size('FAILOVER_SESSION_TIMEOUT_MS', 4000)),
};
