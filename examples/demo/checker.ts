/**
 * The demo's independent checker: fed only the events the processes report (and the orchestrator's own
 * SIGKILLs), it judges at the end whether the run kept its promises:
 * - never two masters at once: terms (from `lead` to `unlead` or death) of different masters do not overlap,
 *   and each new master's fencing token is greater than the one before;
 * - every task put was decided by a master inside one of its own terms, with that term's token;
 * - no task lost: every task put is done at least once (duplicates, at-least-once delivery, are counted);
 * - the config change reached every worker.
 * It judges by the processes' own time stamps, so the order in which their lines reach the orchestrator does
 * not matter.
 */
import type { ReportedEvent } from './protocol';

interface Term {
  master: string;
  token: bigint;
  from: number;
  to: number;
}

export interface Verdict {
  ok: boolean;
  /** One line per check, passed or not. */
  lines: string[];
}

export class Checker {
  private readonly terms: Term[] = [];
  private readonly open = new Map<string, Term>();
  private readonly puts = new Map<string, Extract<ReportedEvent, { kind: 'put' }>>();
  private readonly done = new Map<string, { count: number; workers: string[]; lastAt: number }>();
  private readonly lastConfig = new Map<string, number>();
  private readonly deaths = new Map<string, number>();
  private allPut = false;

  feed(event: ReportedEvent): void {
    switch (event.kind) {
      case 'lead': {
        if (this.open.has(event.who)) this.end(event.who, event.t);
        const term = { master: event.who, token: BigInt(event.token), from: event.t, to: Number.POSITIVE_INFINITY };
        this.terms.push(term);
        this.open.set(event.who, term);
        break;
      }
      case 'unlead':
        this.end(event.who, event.t);
        break;
      case 'put':
        this.puts.set(event.task, event);
        break;
      case 'all-put':
        this.allPut = true;
        break;
      case 'done': {
        const entry = this.done.get(event.task) ?? { count: 0, workers: [], lastAt: 0 };
        entry.count += 1;
        entry.lastAt = Math.max(entry.lastAt, event.t);
        entry.workers.push(event.who);
        this.done.set(event.task, entry);
        break;
      }
      case 'config':
        this.lastConfig.set(event.who, event.workMs);
        break;
      default:
        break;
    }
  }

  /** A process was SIGKILLed at `t`: a term it had ends there. */
  killed(who: string, t: number): void {
    this.deaths.set(who, t);
    this.end(who, t);
  }

  /** The master whose term is open, if exactly one is. */
  leader(): string | undefined {
    const open = [...this.open.keys()];
    return open.length === 1 ? open[0] : undefined;
  }

  get putCount(): number {
    return this.puts.size;
  }

  get doneCount(): number {
    return this.done.size;
  }

  /** All tasks are numbered and put, and each one put is done. */
  finished(): boolean {
    return this.allPut && [...this.puts.keys()].every((task) => this.done.has(task));
  }

  /** The verdict; `workers` are the workers that must have seen `workMs` last. */
  verdict(workers: readonly string[], workMs: number): Verdict {
    const lines: string[] = [];
    let ok = true;
    const check = (passed: boolean, text: string): void => {
      ok &&= passed;
      lines.push(`${passed ? 'ok  ' : 'FAIL'} ${text}`);
    };

    const terms = [...this.terms].sort((a, b) => a.from - b.from);
    const overlaps: string[] = [];
    const backwards: string[] = [];
    terms.forEach((after, i) => {
      for (const before of terms.slice(0, i).filter((term) => term.master !== after.master)) {
        if (after.from < before.to) overlaps.push(`${before.master} until ${clock(before.to)} and ${after.master} from ${clock(after.from)}`);
        if (after.token <= before.token) backwards.push(`${after.master}'s 0x${after.token.toString(16)} after ${before.master}'s 0x${before.token.toString(16)}`);
      }
    });
    const masters = [...new Set(terms.map((term) => term.master))];
    check(terms.length > 0 && overlaps.length === 0, `never two masters at once: ${terms.length} term${terms.length === 1 ? '' : 's'} of ${masters.join(', ')}${overlaps.length ? `; overlapping: ${overlaps.join('; ')}` : ''}`);
    check(backwards.length === 0, `fencing tokens grow from master to master: ${terms.map((t) => `${t.master} 0x${t.token.toString(16)}`).join(' → ')}${backwards.length ? `; not growing: ${backwards.join('; ')}` : ''}`);

    const outOfTerm = [...this.puts.values()].filter(
      (put) => !this.terms.some((term) => term.master === put.who && `0x${term.token.toString(16)}` === put.token && term.from <= put.startedAt && put.startedAt <= term.to),
    );
    check(outOfTerm.length === 0, `every task was put by the master leading at the time${outOfTerm.length ? `; not: ${outOfTerm.map((p) => `${p.task} by ${p.who}`).join(', ')}` : ''}`);

    const lost = [...this.puts.keys()].filter((task) => !this.done.has(task)).sort();
    const duplicated = [...this.done.entries()].filter(([, entry]) => entry.count > 1);
    check(this.allPut && lost.length === 0, `no task lost: ${this.done.size} of ${this.puts.size} tasks put were done${lost.length ? `; never done: ${lost.join(', ')}` : ''}${this.allPut ? '' : '; the masters never finished putting them'}`);
    lines.push(`     duplicates (done twice, at-least-once delivery): ${duplicated.length === 0 ? 'none' : duplicated.map(([task, e]) => `${task} by ${e.workers.join(' and ')}`).join(', ')}`);
    const unreported = [...this.done.keys()].filter((task) => !this.puts.has(task));
    if (unreported.length) lines.push(`     done, but the master died before reporting the put: ${unreported.join(', ')}`);

    for (const [dead, t] of this.deaths) {
      const later = [...this.puts.values()].filter((put) => put.who === dead && (this.done.get(put.task)?.lastAt ?? 0) > t);
      lines.push(`     tasks ${dead} put that workers did after it was killed: ${later.map((put) => put.task).join(', ') || 'none'}`);
    }

    const missed = workers.filter((worker) => this.lastConfig.get(worker) !== workMs);
    check(missed.length === 0, `the config change (a task takes ${workMs} ms) reached every worker${missed.length ? `; not: ${missed.join(', ')}` : ''}`);
    return { ok, lines };
  }

  private end(who: string, t: number): void {
    const term = this.open.get(who);
    if (!term) return;
    term.to = t;
    this.open.delete(who);
  }
}

/** A term's bound as a time of day; a term still open at the end has none. */
function clock(t: number): string {
  return Number.isFinite(t) ? new Date(t).toISOString().slice(11, 23) : 'the end';
}
