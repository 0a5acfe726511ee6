/** {@link Semaphore}: Curator's InterProcessSemaphoreV2 for Node. */
import { channels, traceClock } from '../../client/channels';
import { protectedPrefix, sweepProtected } from '../../client/protected-create';
import { Deadline } from '../../client/deadline';
import { mayRecover } from '../../client/errors';
import { joinPath, parentPath } from '../../client/paths';
import type { NodeData, Transaction, WaitOptions, ZooKeeperClient } from '../../client/types';
import { inUserTerms, type LossReason } from '../shared/errors';
import { guardedTransaction } from '../shared/guard';
import { HoldSignal, type SafetyPolicy } from '../shared/hold-signal';
import { oneShotWatch, opOptions, waitForWatchOrState } from '../shared/wait-for-change';
import {
  cleanupWait,
  createContender,
  discardNode,
  releaseNode,
  type Listing,
  type OwnNode,
} from './contender-nodes';
import { mutexDriver } from './drivers';
import { acquireError, lockTimeout } from './errors';
import { LockInternals, type AcquireRequest } from './lock-internals';
import { traceAcquired, traceLost, traceReleased, type HoldTrace } from './lock-trace';
import type { Participant } from '../shared/participants';
import type { AcquireOptions, LockHandle } from './types';
import { checkClient } from '../shared/check-client';
import { checkAcquireOptions, checkCount, checkLockPath, resolveSemaphoreOptions } from './validate';

/** Options of a {@link Semaphore}. */
export interface SemaphoreOptions {
  /** How many leases may be held at once, across all clients. Must be the same everywhere. */
  maxLeases: number;
  /**
   * When a held lease counts as uncertain (its `signal` aborts): `standard` already at `suspended`,
   * `session` only when the session is lost. @default 'standard'
   */
  policy?: SafetyPolicy;
  /** Data stored in the lease nodes. @default empty */
  data?: NodeData;
}

/** Curator's lease marker. */
const LEASE_MARKER = 'lease-';

/**
 * A lease of a {@link Semaphore}: release it (or `await using` it) when done.
 *
 * @example
 * ```ts
 * const lease = await new Semaphore(client, '/limits/exports', { maxLeases: 4 }).acquire();
 * try {
 *   await runExport({ signal: lease.signal });
 * } finally {
 *   await lease.release();
 * }
 * ```
 */
export class Lease implements LockHandle, HoldTrace {
  private released = false;
  private readonly acquiredAt: number;
  private readonly unregister: () => void;

  /** @internal */
  constructor(
    private readonly client: ZooKeeperClient,
    /** Path of the lease node. */
    readonly path: string,
    /** @internal Session of the lease node. */
    readonly sessionId: string | undefined,
    /** The leases node's pzxid when this lease was confirmed: for `maxLeases: 1`, strictly increasing across holders. */
    readonly fencingToken: bigint,
    private readonly holdSignal: HoldSignal,
    /** @internal `Semaphore` or `SemaphoreMutex`, for its events. */
    readonly kind: string,
    /** @internal The trace clock when the acquisition began (0 when nobody listened). */
    readonly waitStart: number,
    private readonly onReleased: (lease: Lease) => void,
  ) {
    this.acquiredAt = traceAcquired(this);
    holdSignal.lossListener = this;
    this.unregister = client.releaseOnShutdown(() => this.releaseAs('closed'));
  }

  /** @internal The semaphore's path, for its events (computed only for one). */
  get lockPath(): string {
    return parentPath(parentPath(this.path));
  }

  /** Aborted once the lease is no longer certain, and on release. */
  get signal(): AbortSignal {
    return this.holdSignal.signal;
  }

  /** True until released. */
  get active(): boolean {
    return !this.released;
  }

  /** @internal Held and still certain (without making the signal). */
  get certain(): boolean {
    return !this.released && !this.holdSignal.aborted;
  }

  /** Returns the lease (idempotent): deletes its node in one round trip. */
  release(): Promise<void> {
    return this.releaseAs('released');
  }

  /** @internal Called by the lease's signal when it aborts for another reason than a release. */
  onLoss(reason: LossReason): void {
    if (!this.released) traceLost(this, this.acquiredAt, reason);
  }

  /** A transaction that first checks that the lease node still exists. */
  guardedTransaction(): Transaction {
    return guardedTransaction(this.client, this.path, `lease ${this.path}`, this.released ? 'was released' : undefined);
  }

  /** Same as {@link Lease.release}, for `await using`. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.release();
  }

  /** Releases, its signal aborting with `reason`: `released`, or `closed` when the client shuts down. */
  private async releaseAs(reason: 'released' | 'closed'): Promise<void> {
    if (this.released) return;
    this.released = true;
    this.holdSignal.abort(reason);
    this.unregister();
    traceReleased(this, this.acquiredAt);
    this.onReleased(this);
    await releaseNode(this.client, this.path, this.sessionId);
  }
}

/** Thrown inside an acquisition whose session went away under it: it starts over. */
class SessionGone extends Error {}

/**
 * A distributed counting semaphore: at most `maxLeases` leases held at once across all clients,
 * interoperable with Apache Curator's `InterProcessSemaphoreV2` (leases at
 * `<path>/leases/_c_<uuid>-lease-<seq10>`, waiters queued by a mutex at `<path>/locks`). Waiters are served
 * in order: the first in the queue holds the mutex and is the only one watching the leases.
 *
 * @example
 * ```ts
 * const slots = new Semaphore(client, '/limits/exports', { maxLeases: 4 });
 * await using lease = await slots.acquire({ timeoutMs: 30_000 });
 * await runExport({ signal: lease.signal });
 *
 * const [a, b] = await slots.acquire(2); // two leases at once
 * await Promise.all([a.release(), b.release()]);
 * ```
 */
export class Semaphore {
  /** The semaphore's path. */
  readonly path: string;
  /** How many leases may be held at once. */
  readonly maxLeases: number;
  private readonly leasesPath: string;
  private readonly gate: LockInternals;
  private readonly policy: SafetyPolicy;
  private readonly data: Buffer;
  private readonly what: string;
  private readonly recipe: string;
  private readonly leases = new Set<Lease>();

  private readonly client: ZooKeeperClient;

  /** Checks every argument (TypeError/RangeError naming it); does no I/O. */
  constructor(client: ZooKeeperClient, path: string, options: SemaphoreOptions, recipe = 'Semaphore') {
    checkClient(client, recipe);
    this.client = client;
    this.path = checkLockPath(path);
    const resolved = resolveSemaphoreOptions(options, recipe);
    this.maxLeases = resolved.maxLeases;
    this.policy = resolved.policy;
    this.data = resolved.data;
    this.recipe = recipe;
    this.what = `${recipe} ${this.path}`;
    this.leasesPath = joinPath(this.path, 'leases');
    this.gate = new LockInternals(client, joinPath(this.path, 'locks'), mutexDriver, 'standard', Buffer.alloc(0), `${this.what} (queue)`);
  }

  /** Waits for one lease. */
  acquire(options?: AcquireOptions): Promise<Lease>;
  /** Waits for `count` leases, taken together (all or none). */
  acquire(count: number, options?: AcquireOptions): Promise<Lease[]>;
  async acquire(countOrOptions?: number | AcquireOptions, maybeOptions?: AcquireOptions): Promise<Lease | Lease[]> {
    const waitStart = traceClock(channels.lock);
    const single = typeof countOrOptions !== 'number';
    const count = single ? 1 : this.checkLeaseCount(countOrOptions);
    const { timeoutMs, signal } = checkAcquireOptions(single ? countOrOptions : maybeOptions);
    const tryOnly = timeoutMs === 0;
    const leases = await this.acquireLeases(count, {
      deadline: new Deadline(tryOnly ? undefined : timeoutMs, signal),
      timeoutMs: timeoutMs ?? Infinity,
      tryOnly,
      waitStart,
    });
    const [first] = leases ?? [];
    if (leases === null || first === undefined) throw lockTimeout(this.what, this.path, 0);
    return single ? first : leases;
  }

  /** Takes one lease if one is free right now; `null` otherwise. */
  tryAcquire(): Promise<Lease | null>;
  /** Takes `count` leases if they are free right now; `null` otherwise. */
  tryAcquire(count: number): Promise<Lease[] | null>;
  async tryAcquire(count?: number): Promise<Lease | Lease[] | null> {
    const wanted = count === undefined ? 1 : this.checkLeaseCount(count);
    const waitStart = traceClock(channels.lock);
    const leases = await this.acquireLeases(wanted, { deadline: new Deadline(undefined), timeoutMs: 0, tryOnly: true, waitStart });
    const [first] = leases ?? [];
    if (leases === null || first === undefined) return null;
    return count === undefined ? first : leases;
  }

  /** True while this object holds at least one lease that is still certain. */
  isAcquired(): boolean {
    for (const lease of this.leases) if (lease.certain) return true;
    return false;
  }

  /** The lease nodes, in order, with their data. */
  async getParticipants(options?: WaitOptions): Promise<Participant[]> {
    return new LockInternals(this.client, this.leasesPath, { ...mutexDriver, markers: [LEASE_MARKER] }, this.policy, this.data, this.what).participants(options);
  }

  private checkLeaseCount(count: number): number {
    checkCount(count, 'count', 'Semaphore.acquire');
    if (count > this.maxLeases) throw new RangeError(`count (${count}) must not exceed maxLeases (${this.maxLeases})`);
    return count;
  }

  /** Queue up (the gate mutex), then take the leases; start over when the session goes away meanwhile. */
  private async acquireLeases(count: number, request: AcquireRequest): Promise<Lease[] | null> {
    for (;;) {
      // The queue is ours, not the user's: its errors speak of the semaphore.
      const gate = await this.gate.acquire(request).catch((error: unknown) => {
        throw inUserTerms(this.what, this.path, error);
      });
      if (gate === null) return null;
      try {
        return await this.takeLeases(count, request, gate.node.sessionId);
      } catch (error) {
        if (!(error instanceof SessionGone)) throw error;
      } finally {
        // Leave the queue before reporting back, so an acquisition leaves only its leases behind.
        gate.holdSignal.abort('released');
        await this.gate.release(gate.node.path, gate.node.sessionId).catch(() => undefined);
      }
      request.deadline.throwIfAborted();
      if (request.deadline.expired()) throw lockTimeout(this.what, this.path, request.timeoutMs);
    }
  }

  /** Holding the gate: create our lease nodes, then wait until the leases fit into `maxLeases`. */
  private async takeLeases(count: number, request: AcquireRequest, sessionId: string | undefined): Promise<Lease[] | null> {
    const { client, leasesPath } = this;
    const { deadline } = request;
    const nodes: OwnNode[] = [];
    let pendingPrefix: string | undefined;
    let succeeded = false;
    try {
      let listing: Listing | undefined;
      for (let i = 0; i < count; i += 1) {
        pendingPrefix = protectedPrefix();
        const created = await createContender(client, leasesPath, pendingPrefix, LEASE_MARKER, this.data, deadline);
        pendingPrefix = undefined;
        nodes.push(created.node);
        listing = created.listing;
        if (created.node.sessionId !== sessionId) throw new SessionGone();
      }
      let fired: Promise<unknown> | undefined;
      for (;;) {
        if (listing === undefined) {
          const watch = oneShotWatch();
          const { children, stat } = await client.getChildren(leasesPath, { watch: watch.watch, ...opOptions(deadline) });
          listing = { children, pzxid: stat.pzxid, sessionId: client.sessionId };
          fired = watch.fired;
        }
        const current = listing;
        listing = undefined;
        const present = new Set(current.children);
        if (current.sessionId !== sessionId || nodes.some((node) => !present.has(node.name))) throw new SessionGone();
        if (current.children.length <= this.maxLeases) {
          const leases = this.confirm(nodes, current.pzxid, request.waitStart ?? 0);
          succeeded = leases !== undefined;
          if (leases) return leases;
          continue; // not certain right now (suspended): confirm again once reconnected
        }
        if (request.tryOnly) return null;
        if (fired === undefined) continue; // the fast path's listing set no watch: list again with one
        const outcome = await waitForWatchOrState(client, fired, async () => 'armed', {
          deadline,
          onTimeout: () => lockTimeout(this.what, this.path, request.timeoutMs),
          sessionId,
        });
        fired = undefined;
        if (outcome === 'session-changed') throw new SessionGone();
      }
    } catch (error) {
      if (error instanceof SessionGone) throw error;
      const timeLeft = !deadline.expired() && !deadline.signal?.aborted;
      // Connection trouble that outlasted the client's retries: start over (from the queue) while time is left.
      if (timeLeft && mayRecover(error)) throw new SessionGone();
      throw this.translate(error, request);
    } finally {
      if (!succeeded) {
        const cleanup = nodes.map((node) => discardNode(client, node.path));
        if (pendingPrefix !== undefined) cleanup.push(sweepProtected(client, leasesPath, pendingPrefix));
        await cleanupWait(client, Promise.all(cleanup));
      }
    }
  }

  /** Turns our lease nodes into leases, unless the hold is not certain right now. */
  private confirm(nodes: OwnNode[], fencingToken: bigint, waitStart: number): Lease[] | undefined {
    const held = nodes.map((node) => ({ node, signal: new HoldSignal(this.client, this.policy, this.what) }));
    if (held.some(({ signal }) => signal.aborted)) {
      for (const { signal } of held) signal.abort('released');
      return undefined;
    }
    return held.map(({ node, signal }) => {
      const lease = new Lease(this.client, node.path, node.sessionId, fencingToken, signal, this.recipe, waitStart, (released) => {
        this.leases.delete(released);
      });
      this.leases.add(lease);
      return lease;
    });
  }

  private translate(error: unknown, request: AcquireRequest): unknown {
    return acquireError(error, request.deadline, this.what, this.path, request.timeoutMs);
  }

}
