/**
 * {@link AtomicCounter}: a 64-bit counter in one node with Curator's DistributedAtomicLong semantics and bytes
 * (8-byte big-endian; a missing or empty node counts as 0): optimistic compare-and-set on the node's version,
 * retried with a jittered backoff, and optionally promoted to a lock when the optimistic tries run out.
 */
import { Deadline, delay } from '../../client/deadline';
import { isZkError } from '../../client/errors';
import { validatePath } from '../../client/paths';
import type { Stat, WaitOptions, ZooKeeperClient } from '../../client/types';
import { validateWaitOptions } from '../../client/validate';
import { LockTimeoutError } from '../lock/errors';
import { Mutex } from '../lock/mutex';
import { opOptions } from '../shared/wait-for-change';
import { checkClient } from '../shared/check-client';
import { int64Codec, wrapInt64 } from './codecs';
import { InvalidValueError } from './errors';
import { optionsObject } from '../shared/options';
import { integerOption } from './validate';

const RECIPE = 'AtomicCounter';

/** Retries of the optimistic (or the locked) phase. */
export interface CounterRetryOptions {
  /** Tries in all (the first included). @default 10 */
  maxTries?: number;
  /** Upper bound of the first pause between tries; it doubles per try (each pause is random below it). @default 5 */
  baseDelayMs?: number;
  /** Longest pause between tries. @default 200 */
  maxDelayMs?: number;
}

/** Options of an {@link AtomicCounter}. */
export interface AtomicCounterOptions {
  /** How the optimistic phase retries after a conflict. @default { maxTries: 10, baseDelayMs: 5, maxDelayMs: 200 } */
  retry?: CounterRetryOptions;
  /**
   * Promotion to a lock (Curator's `PromotedToLock`): when the optimistic tries all conflict, take a
   * {@link Mutex} at `path` (waiting at most `timeoutMs`) and try again under it, with `retry`'s schedule.
   * Every writer of the counter must promote to the same lock path for the lock to help. @default no promotion
   */
  promoteToLock?: {
    /** The lock's path (a {@link Mutex}). */
    path: string;
    /** Longest wait for the lock, in ms. @default no limit */
    timeoutMs?: number;
    /** How the tries under the lock retry. @default { maxTries: 10, baseDelayMs: 5, maxDelayMs: 200 } */
    retry?: CounterRetryOptions;
  };
}

/** How an operation went, as Curator's `AtomicStats`. */
export interface AtomicStats {
  /** Optimistic tries made. */
  optimisticTries: number;
  /** Tries made under the promoted lock. */
  promotedTries: number;
  /** Time spent in the optimistic phase, ms. */
  optimisticTimeMs: number;
  /** Time spent in the promoted phase (waiting for the lock included), ms. */
  promotedTimeMs: number;
}

/**
 * The outcome of a counter operation, as Curator's `AtomicValue<Long>`: when `succeeded` is false nothing was
 * written (every try conflicted, or the compare failed) and `preValue` is the last value read.
 */
export interface AtomicResult {
  /** Whether the operation took effect. */
  readonly succeeded: boolean;
  /** The value before the operation (as last read). */
  readonly preValue: bigint;
  /** The value after it (equal to `preValue` when it did not succeed). */
  readonly postValue: bigint;
  /** Tries and time spent. */
  readonly stats: AtomicStats;
}

interface ResolvedRetry {
  maxTries: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

/** The resolved options of an {@link AtomicCounter}. */
interface ResolvedAtomicCounterOptions {
  retry: ResolvedRetry;
  promoteToLock: { path: string; timeoutMs: number | undefined; retry: ResolvedRetry } | undefined;
}

function resolveRetry(retry: CounterRetryOptions | undefined, name: string): ResolvedRetry {
  const given = optionsObject(retry, `AtomicCounter ${name}`);
  return {
    maxTries: integerOption(given.maxTries, `${name}.maxTries`, RECIPE, 10, 1, 1_000_000),
    baseDelayMs: integerOption(given.baseDelayMs, `${name}.baseDelayMs`, RECIPE, 5, 0, 60_000),
    maxDelayMs: integerOption(given.maxDelayMs, `${name}.maxDelayMs`, RECIPE, 200, 0, 600_000),
  };
}

/** Checks {@link AtomicCounterOptions} and fills in defaults. */
export function resolveAtomicCounterOptions(options: AtomicCounterOptions | undefined): ResolvedAtomicCounterOptions {
  const given = optionsObject(options, RECIPE);
  const promote = given.promoteToLock;
  if (promote === undefined) return { retry: resolveRetry(given.retry, 'retry'), promoteToLock: undefined };
  const lock = optionsObject(promote, `${RECIPE} promoteToLock`);
  validatePath(lock.path, 'promoteToLock.path');
  return {
    retry: resolveRetry(given.retry, 'retry'),
    promoteToLock: {
      path: lock.path,
      timeoutMs: lock.timeoutMs === undefined ? undefined : integerOption(lock.timeoutMs, 'promoteToLock.timeoutMs', RECIPE, 0, 0),
      retry: resolveRetry(lock.retry, 'promoteToLock.retry'),
    },
  };
}

/** What one try reads. */
type Current = { value: bigint; stat: Stat | undefined };

/**
 * A distributed 64-bit counter with Curator's `DistributedAtomicLong` semantics, on the same node bytes, so
 * Java and Node services can count together. Every operation reads the node and writes it back only if its
 * version did not move (creating it when missing); a conflict is retried after a random pause, and when the
 * tries run out the result says `succeeded: false` — or, with `promoteToLock`, the counter takes a lock and
 * tries again under it. No lifecycle: nothing to start or close; each method does its own I/O.
 *
 * @example
 * ```ts
 * const hits = new AtomicCounter(client, '/stats/hits', { promoteToLock: { path: '/stats/hits-lock' } });
 * const result = await hits.increment();
 * if (result.succeeded) console.log(`hits: ${result.preValue} -> ${result.postValue}`);
 * ```
 */
export class AtomicCounter {
  /** The counter's path. */
  readonly path: string;
  private readonly client: ZooKeeperClient;
  private readonly options: ResolvedAtomicCounterOptions;
  private readonly mutex: Mutex | undefined;

  /** Checks the arguments; does no I/O. */
  constructor(client: ZooKeeperClient, path: string, options?: AtomicCounterOptions) {
    checkClient(client, 'AtomicCounter');
    validatePath(path);
    this.client = client;
    this.path = path;
    this.options = resolveAtomicCounterOptions(options);
    this.mutex = this.options.promoteToLock === undefined ? undefined : new Mutex(client, this.options.promoteToLock.path);
  }

  /** Reads the value (a missing node is 0). Always succeeds (or rejects). */
  async get(options?: WaitOptions): Promise<AtomicResult> {
    validateWaitOptions(options);
    const { value } = await this.read(Deadline.from(options));
    return { succeeded: true, preValue: value, postValue: value, stats: emptyStats() };
  }

  /** Adds 1. */
  async increment(options?: WaitOptions): Promise<AtomicResult> {
    return this.add(1n, options);
  }

  /** Subtracts 1. */
  async decrement(options?: WaitOptions): Promise<AtomicResult> {
    return this.add(-1n, options);
  }

  /** Subtracts `delta`. */
  async subtract(delta: bigint | number, options?: WaitOptions): Promise<AtomicResult> {
    return this.add(-toBigInt(delta, 'delta'), options);
  }

  /** Adds `delta` (wrapping around at 64 bits, as Java's `long` does). */
  async add(delta: bigint | number, options?: WaitOptions): Promise<AtomicResult> {
    const amount = toBigInt(delta, 'delta');
    return this.trySetWith((previous) => wrapInt64(previous + amount), options);
  }

  /** Sets `value` if the tries succeed (Curator's `trySet`). */
  async trySet(value: bigint | number, options?: WaitOptions): Promise<AtomicResult> {
    const next = toBigInt(value, 'value');
    return this.trySetWith(() => next, options);
  }

  /**
   * Sets `newValue` only if the value is `expected` now: one read, one versioned write, no retry (Curator's
   * `compareAndSet`; a missing node never matches).
   */
  async compareAndSet(expected: bigint | number, newValue: bigint | number, options?: WaitOptions): Promise<AtomicResult> {
    const want = toBigInt(expected, 'expected');
    const next = toBigInt(newValue, 'newValue');
    validateWaitOptions(options);
    const deadline = Deadline.from(options);
    const stats = emptyStats();
    stats.optimisticTries = 1;
    const current = await this.read(deadline);
    if (current.stat === undefined || current.value !== want) return { succeeded: false, preValue: current.value, postValue: current.value, stats };
    try {
      await this.client.setData(this.path, int64Codec.encode(next), { ...opOptions(deadline), version: current.stat.version });
    } catch (error) {
      if (isZkError(error, 'BAD_VERSION', 'NO_NODE')) return { succeeded: false, preValue: current.value, postValue: current.value, stats };
      throw error;
    }
    return { succeeded: true, preValue: current.value, postValue: next, stats };
  }

  /** Creates the node with `value` unless it exists; resolves whether it was created (Curator's `initialize`). */
  async initialize(value: bigint | number, options?: WaitOptions): Promise<boolean> {
    const data = int64Codec.encode(toBigInt(value, 'value'));
    validateWaitOptions(options);
    try {
      await this.client.create(this.path, data, { ...opOptions(Deadline.from(options)), createParents: true });
      return true;
    } catch (error) {
      if (isZkError(error, 'NODE_EXISTS')) return false;
      throw error;
    }
  }

  /** Sets `value` whatever the current one (Curator's `forceSet`). */
  async forceSet(value: bigint | number, options?: WaitOptions): Promise<void> {
    const data = int64Codec.encode(toBigInt(value, 'value'));
    validateWaitOptions(options);
    const wait = opOptions(Deadline.from(options));
    for (;;) {
      try {
        await this.client.setData(this.path, data, wait);
        return;
      } catch (error) {
        if (!isZkError(error, 'NO_NODE')) throw error;
      }
      try {
        await this.client.create(this.path, data, { ...wait, createParents: true });
        return;
      } catch (error) {
        if (!isZkError(error, 'NODE_EXISTS')) throw error;
      }
    }
  }

  /** The optimistic phase, then (when configured and it failed) the promoted one. */
  private async trySetWith(next: (previous: bigint) => bigint, options: WaitOptions | undefined): Promise<AtomicResult> {
    validateWaitOptions(options);
    const deadline = Deadline.from(options);
    const stats = emptyStats();
    const started = performance.now();
    let result = await this.tryPhase(next, this.options.retry, deadline, (n) => (stats.optimisticTries += n));
    stats.optimisticTimeMs = performance.now() - started;
    const promote = this.options.promoteToLock;
    if (!result.succeeded && promote !== undefined && this.mutex !== undefined) {
      const promotedAt = performance.now();
      const lockWait = Math.min(deadline.remaining(), promote.timeoutMs ?? Infinity);
      try {
        const handle = await this.mutex.acquire({ ...(lockWait === Infinity ? {} : { timeoutMs: lockWait }), signal: deadline.signal });
        try {
          result = await this.tryPhase(next, promote.retry, deadline, (n) => (stats.promotedTries += n));
        } finally {
          await handle.release();
        }
      } catch (error) {
        if (!(error instanceof LockTimeoutError)) throw error;
      }
      stats.promotedTimeMs = performance.now() - promotedAt;
    }
    return { ...result, stats };
  }

  /** Tries up to `retry.maxTries` times, pausing a random, growing time after each conflict. */
  private async tryPhase(
    next: (previous: bigint) => bigint,
    retry: ResolvedRetry,
    deadline: Deadline,
    count: (tries: number) => void,
  ): Promise<Omit<AtomicResult, 'stats'>> {
    let last = 0n;
    for (let attempt = 0; attempt < retry.maxTries; attempt += 1) {
      if (attempt > 0) {
        const cap = Math.min(retry.maxDelayMs, retry.baseDelayMs * 2 ** (attempt - 1));
        await delay(Math.random() * cap, deadline.signal);
      }
      count(1);
      const current = await this.read(deadline);
      last = current.value;
      const value = next(current.value);
      if (await this.writeOnce(current, value, deadline)) return { succeeded: true, preValue: current.value, postValue: value };
    }
    return { succeeded: false, preValue: last, postValue: last };
  }

  /** Writes `value` over the version read (or creates the node): false on a conflict. */
  private async writeOnce(current: Current, value: bigint, deadline: Deadline): Promise<boolean> {
    const data = int64Codec.encode(value);
    try {
      if (current.stat === undefined) await this.client.create(this.path, data, { ...opOptions(deadline), createParents: true });
      else await this.client.setData(this.path, data, { ...opOptions(deadline), version: current.stat.version });
      return true;
    } catch (error) {
      if (isZkError(error, 'BAD_VERSION', 'NODE_EXISTS', 'NO_NODE')) return false;
      throw error;
    }
  }

  /** The value and stat (a missing node is 0 without a stat); corrupt bytes reject with {@link InvalidValueError}. */
  private async read(deadline: Deadline): Promise<Current> {
    let data: Buffer;
    let stat: Stat;
    try {
      ({ data, stat } = await this.client.getData(this.path, opOptions(deadline)));
    } catch (error) {
      if (isZkError(error, 'NO_NODE')) return { value: 0n, stat: undefined };
      throw error;
    }
    try {
      return { value: int64Codec.decode(data), stat };
    } catch (error) {
      throw new InvalidValueError(`AtomicCounter ${this.path}: corrupt counter (${data.toString('hex')})`, {
        path: this.path,
        version: stat.version,
        raw: data,
        cause: error,
      });
    }
  }
}

function emptyStats(): AtomicStats {
  return { optimisticTries: 0, promotedTries: 0, optimisticTimeMs: 0, promotedTimeMs: 0 };
}

/** A counter argument as a 64-bit bigint: TypeError for other types, RangeError outside Java's long. */
function toBigInt(value: bigint | number, name: string): bigint {
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value)) throw new TypeError(`${name} must be a safe integer or a bigint, got ${value}`);
    return BigInt(value);
  }
  if (typeof value !== 'bigint') throw new TypeError(`${name} must be a bigint or an integer, got ${typeof value}`);
  if (BigInt.asIntN(64, value) !== value) throw new RangeError(`${name} must fit in 64 bits (Curator's long), got ${value}`);
  return value;
}
