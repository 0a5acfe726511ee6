/** Set-up shared by the leader and membership tests: an independent leadership checker, elections, child participants. */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import * as path from 'node:path';
import * as readline from 'node:readline';
import { EventEmitter } from 'eventemitter3';
import type { ZkClient } from '../../../src/client';
import { LeaderLatch, LeaderSelector } from '../../../src/recipes/leader';
import type { LossReason, Participant } from '../../../src/recipes/shared';
import { eventually, scaled, waitForEvent } from '../../helpers';

/** One term as the checker saw it (times from the system-wide monotonic clock, in ns). */
export interface Term {
  id: string;
  token: bigint;
  start: bigint;
  end: bigint | undefined;
  /** Why the term ended, when the participant said (its `notLeader` reason). */
  reason?: string;
}

/**
 * An independent checker of "one leader at a time". Participants report `isLeader`/`notLeader` with stamps
 * of `process.hrtime.bigint()` (CLOCK_MONOTONIC: one clock for every process on the machine), from this
 * process or from child processes. {@link LeadershipChecker.verify} orders the terms by start and reports
 * every overlap and every fencing token that did not grow.
 */
export class LeadershipChecker {
  readonly terms: Term[] = [];
  private readonly open = new Map<string, Term>();

  /** `id` reports it became the leader at `at`. */
  began(id: string, token: bigint, at: bigint = process.hrtime.bigint()): void {
    if (this.open.has(id)) throw new Error(`checker: ${id} began a term while its previous one is open`);
    const term: Term = { id, token, start: at, end: undefined };
    this.open.set(id, term);
    this.terms.push(term);
  }

  /** `id` reports it stopped being the leader at `at` (for `reason`, when known). */
  ended(id: string, at: bigint = process.hrtime.bigint(), reason?: string): void {
    const term = this.open.get(id);
    if (term === undefined) throw new Error(`checker: ${id} ended a term it did not begin`);
    term.end = at;
    term.reason = reason;
    this.open.delete(id);
  }

  /** Who holds an open term now. */
  holders(): string[] {
    return [...this.open.keys()];
  }

  /** The open terms now, oldest first. */
  openTerms(): Term[] {
    return [...this.open.values()];
  }

  /** Number of terms begun so far. */
  get count(): number {
    return this.terms.length;
  }

  /**
   * Overlaps between consecutive terms (ns; a term still open counts as lasting until now), and fencing
   * tokens that did not grow from one leader to a different next one.
   */
  verify(): { overlaps: Array<{ first: Term; second: Term; overlapNs: bigint }>; tokenRegressions: Array<[Term, Term]> } {
    const ordered = [...this.terms].sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0));
    const now = process.hrtime.bigint();
    const overlaps: Array<{ first: Term; second: Term; overlapNs: bigint }> = [];
    const tokenRegressions: Array<[Term, Term]> = [];
    let latest: Term | undefined;
    for (const term of ordered) {
      if (latest !== undefined) {
        const latestEnd = latest.end ?? now;
        if (term.start < latestEnd) overlaps.push({ first: latest, second: term, overlapNs: latestEnd - term.start });
        if (term.id !== latest.id ? term.token <= latest.token : term.token < latest.token) tokenRegressions.push([latest, term]);
      }
      if (latest === undefined || (term.end ?? now) > (latest.end ?? now)) latest = term;
    }
    return { overlaps, tokenRegressions };
  }
}

/** One JSON line a child participant reported (`at`: its hrtime stamp). */
export interface ChildEvent {
  event: string;
  at: bigint;
  [key: string]: unknown;
}

const PARTICIPANT = path.join(__dirname, 'fixtures', 'participant.ts');
const live = new Set<ChildParticipant>();
process.on('exit', () => {
  for (const child of live) child.process.kill('SIGKILL');
});

/** A LeaderLatch, LeaderSelector or GroupMember in a child process (fixtures/participant.ts), killable for real. */
export class ChildParticipant extends EventEmitter<{ event: (event: ChildEvent) => void }> {
  readonly events: ChildEvent[] = [];
  private readonly exited: Promise<void>;
  private stderr = '';

  private constructor(
    readonly id: string,
    readonly process: ChildProcessWithoutNullStreams,
  ) {
    super();
    live.add(this);
    this.exited = new Promise((resolve) => process.once('exit', () => resolve()));
    void this.exited.then(() => live.delete(this));
    process.stderr.on('data', (chunk: Buffer) => (this.stderr = (this.stderr + chunk.toString()).slice(-4000)));
    readline.createInterface({ input: process.stdout }).on('line', (line) => {
      let parsed: Record<string, unknown>;
      try {
        parsed = JSON.parse(line) as Record<string, unknown>;
      } catch {
        return;
      }
      const event = { ...parsed, at: BigInt(String(parsed.at)) } as ChildEvent;
      this.events.push(event);
      this.emit('event', event);
    });
  }

  /** Spawns a participant and resolves once it reported `ready`. */
  static async start(options: {
    connectString: string;
    namespace: string;
    role: 'latch' | 'selector' | 'member';
    path: string;
    id: string;
    sessionTimeoutMs: number;
  }): Promise<ChildParticipant> {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', PARTICIPANT, options.connectString, options.namespace, options.role, options.path, options.id, String(options.sessionTimeoutMs)],
      { stdio: 'pipe', cwd: path.join(__dirname, '..', '..', '..') },
    );
    const participant = new ChildParticipant(options.id, child);
    await participant.waitFor((e) => e.event === 'ready', scaled(30_000));
    return participant;
  }

  /** Resolves with the first event (past or future) matching `predicate`. */
  waitFor(predicate: (event: ChildEvent) => boolean, timeoutMs = scaled(30_000), from = 0): Promise<ChildEvent> {
    const seen = this.events.slice(from).find(predicate);
    if (seen !== undefined) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.off('event', onEvent);
        reject(new Error(`participant ${this.id}: no matching event within ${timeoutMs} ms; events: ${JSON.stringify(this.events, (_, v) => (typeof v === 'bigint' ? v.toString() : v))}; stderr: ${this.stderr}`));
      }, timeoutMs);
      const onEvent = (event: ChildEvent): void => {
        if (event.event === 'failed') {
          clearTimeout(timer);
          this.off('event', onEvent);
          reject(new Error(`participant ${this.id} failed: ${String(event.error)}; stderr: ${this.stderr}`));
        } else if (predicate(event)) {
          clearTimeout(timer);
          this.off('event', onEvent);
          resolve(event);
        }
      };
      this.on('event', onEvent);
    });
  }

  /** SIGKILLs the process; resolves with the hrtime stamp taken just before, once it is gone. */
  async kill(): Promise<bigint> {
    const at = process.hrtime.bigint();
    this.process.kill('SIGKILL');
    await this.exited;
    return at;
  }

  /** Sends a signal (SIGSTOP / SIGCONT to freeze and thaw it); resolves with the hrtime stamp taken just before. */
  signal(signal: NodeJS.Signals): bigint {
    const at = process.hrtime.bigint();
    this.process.kill(signal);
    return at;
  }

  /** Asks for a graceful close and waits for the process to end. */
  async close(): Promise<void> {
    if (this.process.exitCode !== null || this.process.signalCode !== null) return;
    this.process.stdin.write('close\n');
    await this.exited;
  }
}

/** The two kinds of election the one-leader suites run over. */
export type ElectionKind = 'latch' | 'selector';

/** Events of a {@link Contender}. */
interface ContenderEvents {
  isLeader: (fencingToken: bigint) => void;
  notLeader: (reason: LossReason) => void;
  error: (error: Error) => void;
}

/**
 * One participant of an election, whatever the recipe: a LeaderLatch, or a LeaderSelector whose
 * `takeLeadership` leads until its signal aborts (requeued after every turn, as a latch stays in line).
 */
export class Contender extends EventEmitter<ContenderEvents> {
  private readonly latch: LeaderLatch | undefined;
  private readonly selector: LeaderSelector | undefined;

  constructor(kind: ElectionKind, client: ZkClient, path: string, id: string) {
    super();
    const forward = (recipe: LeaderLatch | LeaderSelector): void => {
      recipe.on('isLeader', (leadership) => this.emit('isLeader', leadership.fencingToken));
      recipe.on('notLeader', (reason) => this.emit('notLeader', reason));
      recipe.on('error', (error) => this.emit('error', error));
    };
    if (kind === 'latch') {
      this.latch = new LeaderLatch(client, path, { id });
      forward(this.latch);
    } else {
      this.selector = new LeaderSelector(client, path, {
        id,
        autoRequeue: true,
        takeLeadership: (signal) => new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true })),
      });
      forward(this.selector);
    }
  }

  start(): Promise<void> {
    return (this.latch ?? this.selector!).start();
  }

  hasLeadership(): boolean {
    return (this.latch ?? this.selector!).hasLeadership();
  }

  /** Leaves: a leader's term ends (notLeader) before its node goes. */
  close(): Promise<void> {
    return this.latch ? this.latch.close({ notifyLeader: true }) : this.selector!.close();
  }
}

/** An election of {@link Contender}s on one path, reporting every term to a {@link LeadershipChecker}. */
export class Election extends EventEmitter<{ leader: (contender: Contender) => void }> {
  readonly contenders = new Set<Contender>();
  /** Errors the contenders reported. */
  readonly errors: string[] = [];
  /** The open terms whenever a second one began (checked online: in one process every event is ordered). */
  readonly concurrent: Term[][] = [];
  private readonly clients = new Map<Contender, ZkClient>();
  private joined = 0;

  constructor(
    readonly checker: LeadershipChecker,
    readonly kind: ElectionKind = 'latch',
    readonly path = '/election',
  ) {
    super();
  }

  async join(client: ZkClient, id: string): Promise<Contender> {
    const key = `${id}#${this.joined++}`;
    const contender = new Contender(this.kind, client, this.path, id);
    contender.on('isLeader', (fencingToken) => {
      this.checker.began(key, fencingToken);
      if (this.checker.holders().length !== 1) this.concurrent.push(this.checker.openTerms());
      this.emit('leader', contender);
    });
    contender.on('notLeader', (reason) => this.checker.ended(key, undefined, reason));
    contender.on('error', (error) => this.errors.push(`error: ${error.message}`));
    this.contenders.add(contender);
    this.clients.set(contender, client);
    await contender.start();
    return contender;
  }

  /** The client a contender of this election runs on. */
  clientOf(contender: Contender): ZkClient | undefined {
    return this.clients.get(contender);
  }

  leader(): Contender | undefined {
    return [...this.contenders].find((contender) => contender.hasLeadership());
  }

  /** The current leader, or the next one to take over. */
  async currentLeader(): Promise<Contender> {
    const now = this.leader();
    if (now !== undefined) return now;
    const [contender] = await waitForEvent(this, 'leader');
    return contender as Contender;
  }

  async leave(contender: Contender): Promise<void> {
    this.contenders.delete(contender);
    await contender.close();
  }

  async closeAll(): Promise<void> {
    await Promise.all([...this.contenders].map((contender) => this.leave(contender)));
  }
}

/**
 * Asserts the checker (and the election's online check) found no overlap and no fencing token that did not
 * grow. `excused` lists `notLeader` reasons of a term that may overlap the next one: a leader whose session
 * the server ends while it is connected hears of it at the same moment as its successor, and steps down (its
 * signal aborted) as its connection drops — the lock checker excludes such a holder the same way. Returns the
 * excused overlaps (ms), for the test to bound and report.
 */
export function expectOneLeaderAtATime(checker: LeadershipChecker, election?: Election, excused: readonly string[] = []): number[] {
  const { overlaps, tokenRegressions } = checker.verify();
  const isExcused = (term: Term): boolean => term.reason !== undefined && excused.includes(term.reason);
  const unexcusedOnline = (election?.concurrent ?? []).filter((terms) => !terms.slice(0, -1).every(isExcused));
  expect(election?.errors ?? []).toEqual([]);
  expect(unexcusedOnline.map((terms) => `two leaders: ${terms.map((term) => term.id).join(', ')}`)).toEqual([]);
  expect(overlaps.filter(({ first }) => !isExcused(first))).toEqual([]);
  expect(tokenRegressions).toEqual([]);
  return overlaps.filter(({ first }) => isExcused(first)).map(({ overlapNs }) => Number(overlapNs) / 1e6);
}


/**
 * Resolves with the participants once `recipe` sees `n` of them: only for what no event announces
 * (another client's node), through the shared `eventually`.
 */
export async function waitForParticipants(recipe: { getParticipants(): Promise<Participant[]> }, n: number): Promise<Participant[]> {
  let participants: Participant[] = [];
  await eventually(async () => (participants = await recipe.getParticipants()).length === n, scaled(10_000));
  return participants;
}
