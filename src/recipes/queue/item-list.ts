/**
 * {@link ItemList}: a consumer's sorted view of a queue's items, shared by every take of one queue object.
 *
 * The queue is listed once, and the names are handed out one by one, in order, until the list runs out: a
 * take does not list the queue again per item. A name handed out may already be taken by another consumer;
 * the caller's claim (or delete) finds out, and the caller simply asks for the next name. The listing leaves
 * a one-shot children watch; only once the list is used up does the queue get listed again, and only a
 * consumer with nothing left to try waits for that watch — so a change wakes the consumers that are idle,
 * once each, never every consumer on every change. A consumer that found every item claimed by someone else
 * also watches the first such claim, to see the item come back when its claimer's session ends.
 */
import { Deadline, waitUntil } from '../../client/deadline';
import { isZkError } from '../../client/errors';
import { joinPath } from '../../client/paths';
import type { ZooKeeperClient } from '../../client/types';
import { ownedByCurrentSession } from '../../client/protected-create';
import { oneShotWatch, opOptions, waitForWatchOrState } from '../shared/wait-for-change';
import { compareItems, type ItemName, type ItemOrder } from './item-order';

/** The sorted, not yet tried items of one queue path, as one consumer sees them. */
export class ItemList {
  private names: ItemName[] = [];
  /** True when the queue may have changed since the last listing (or was never listed). */
  private stale = true;
  /** Fires on the first change after the last listing. */
  private changed: Promise<unknown> = Promise.resolve();
  private listing: Promise<void> | undefined;
  /** Claim node of the first item of this pass held by another consumer. */
  private blockedOn: string | undefined;
  /** Names this process is working on (claimed or being removed): never handed out twice. */
  readonly inFlight = new Set<string>();
  /** The one wait for a change that every idle take of this list shares (see {@link ItemList.waitForChange}). */
  private shared: { change: Promise<void>; stop: AbortController; waiters: number } | undefined;

  constructor(
    private readonly client: ZooKeeperClient,
    private readonly path: string,
    private readonly order: ItemOrder,
    /** Lock-safe: where claims are; claimed items are left out of a listing (see {@link ItemList.claimed}). */
    private readonly lockPath: string | undefined,
  ) {}

  /**
   * The names of the items claimed now (lock-safe; empty otherwise): one read of the lock path. Consumers
   * that skip these do not spend a claim each on items another consumer is working on.
   */
  async claimed(options: { timeoutMs?: number; signal?: AbortSignal } = {}): Promise<Set<string>> {
    if (this.lockPath === undefined) return new Set();
    try {
      return new Set((await this.client.getChildren(this.lockPath, options)).children);
    } catch (error) {
      if (isZkError(error, 'NO_NODE')) return new Set();
      throw error;
    }
  }

  /**
   * The next item to try, in queue order: resolves `undefined` when `wait` is false and there is none now;
   * otherwise waits (bounded by the deadline) for one.
   */
  async next(deadline: Deadline, onTimeout: () => Error, wait: boolean): Promise<ItemName | undefined> {
    for (;;) {
      deadline.throwIfAborted();
      const first = this.names[0];
      if (first !== undefined && first.dueAt <= Date.now()) {
        this.names.shift();
        if (!this.inFlight.has(first.name)) return first;
        continue;
      }
      // Stale, or a listing in flight (another take's): the names it brings are for every take.
      if (this.stale || this.listing !== undefined) {
        await this.refresh(deadline);
        continue;
      }
      if (!wait) return undefined;
      if (deadline.expired()) throw onTimeout();
      await this.waitForChange(deadline, onTimeout);
    }
  }

  /** Notes that the item's claim is held by another consumer: if nothing else changes, wait for that claim. */
  blocked(claimPath: string): void {
    this.blockedOn ??= claimPath;
  }

  /** Forgets the listing: the next {@link ItemList.next} lists again (after a put of our own, a requeue...). */
  invalidate(): void {
    this.stale = true;
  }

  private refresh(deadline: Deadline): Promise<void> {
    // Concurrent takes share one listing; a take whose deadline ends it just goes round again.
    this.listing ??= this.list(deadline).finally(() => (this.listing = undefined));
    return this.listing.catch((error: unknown) => {
      if (deadline.signal?.aborted || deadline.expired() || !isZkError(error) || !error.retriable) throw error;
    });
  }

  private async list(deadline: Deadline): Promise<void> {
    const { watch, fired } = oneShotWatch();
    // Set before the read: a change that lands while the listing is in flight makes the next take list again.
    this.stale = false;
    this.blockedOn = undefined;
    this.changed = fired.then(() => (this.stale = true));
    let children: string[];
    // The claims are read in the same round trip: items others are working on are not tried.
    const claims = this.claimed(opOptions(deadline));
    claims.catch(() => undefined); // seen below, or moot when the listing fails
    try {
      children = (await this.client.getChildren(this.path, { watch, ...opOptions(deadline) })).children;
    } catch (error) {
      if (!isZkError(error, 'NO_NODE')) {
        this.stale = true;
        throw error;
      }
      // No queue yet: wait for it to be made (the first put makes it).
      const stat = await this.client.exists(this.path, { watch, ...opOptions(deadline) });
      if (stat !== null) this.stale = true;
      children = [];
    }
    const claimed = await claims;
    const names: ItemName[] = [];
    const held: ItemName[] = [];
    for (const child of children) {
      const item = this.order.parse(child);
      if (item === undefined || this.inFlight.has(child)) continue;
      (claimed.has(child) ? held : names).push(item);
    }
    this.names = names.sort(compareItems);
    // If nothing else turns up, wait for the first claimed item to come back (its claimer may die).
    const firstHeld = held.sort(compareItems)[0];
    if (firstHeld !== undefined && this.lockPath !== undefined) this.blocked(joinPath(this.lockPath, firstHeld.name));
  }

  /**
   * Waits (bounded by the caller's deadline) for the one shared watch for a change: however many takes are
   * idle, they arm one set of watches and wake together, so their next claims go out as one batch. The
   * shared watch is called off once no take waits for it any more.
   */
  private async waitForChange(deadline: Deadline, onTimeout: () => Error): Promise<void> {
    if (this.shared === undefined) {
      const stop = new AbortController();
      const change = this.watchForChange(stop.signal);
      change.catch(() => undefined); // called off: nobody waits for it any more
      this.shared = { change, stop, waiters: 0 };
      void change.finally(() => {
        if (this.shared?.change === change) this.shared = undefined;
      }).catch(() => undefined);
    }
    const shared = this.shared;
    shared.waiters += 1;
    try {
      await waitUntil(
        deadline,
        (done, fail) => {
          shared.change.then(done, fail);
          return () => undefined;
        },
        onTimeout,
      );
    } finally {
      shared.waiters -= 1;
      if (shared.waiters === 0) {
        shared.stop.abort();
        if (this.shared === shared) this.shared = undefined;
      }
    }
  }

  /** Waits for the listing's watch, the first due time of a delayed item, a blocking claim to go, or a reconnect. */
  private async watchForChange(signal: AbortSignal): Promise<void> {
    const deadline = new Deadline(undefined, signal);
    const onTimeout = (): Error => new Error('unreachable: no timeout');
    const claim = this.blockedOn === undefined ? undefined : oneShotWatch();
    const [first] = this.names;
    const dueIn = first === undefined ? undefined : first.dueAt - Date.now();
    let timer: NodeJS.Timeout | undefined;
    const due = dueIn === undefined ? new Promise<never>(() => undefined) : new Promise<void>((resolve) => (timer = setTimeout(resolve, Math.max(0, dueIn))));
    const blockedOn = this.blockedOn;
    try {
      const outcome = await waitForWatchOrState(
        this.client,
        Promise.race([this.changed, due, claim?.fired ?? new Promise<never>(() => undefined)]),
        async () => {
          if (blockedOn === undefined || claim === undefined) return 'armed';
          const stat = await this.client.exists(blockedOn, { watch: claim.watch, ...opOptions(deadline) });
          // A claim of our own session that no take of ours holds: left by a create whose reply was lost
          // and which the client sent again. It would hide the item until the session ends: remove it.
          if (stat !== null && ownedByCurrentSession(stat, this.client) && !this.inFlight.has(blockedOn.slice(blockedOn.lastIndexOf('/') + 1))) {
            await this.client.delete(blockedOn, opOptions(deadline)).catch(() => undefined);
            return 'deleted';
          }
          return stat === null ? 'deleted' : 'armed';
        },
        { deadline, onTimeout, sessionId: undefined },
      );
      // 'deleted' (the blocking claim went, bringing its item back), a reconnect or a new session: list
      // again. 'changed' is the listing's watch (which marked the list stale) or a due time (which did not).
      if (outcome !== 'changed') {
        this.stale = true;
        this.blockedOn = undefined;
      }
    } finally {
      clearTimeout(timer);
    }
  }

  /** Full path of an item. */
  itemPath(name: string): string {
    return joinPath(this.path, name);
  }
}
