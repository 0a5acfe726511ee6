/**
 * {@link QueueCore}: the engine every queue of this folder runs on (an {@link ItemOrder} is its strategy).
 *
 * Requests are pipelined (sent without waiting for earlier replies: one session's requests are answered in
 * order) and batched (see batcher.ts): while one batch of a kind is out, the next collects.
 * - put: one create; puts made while one is out go together as one transaction of creates (the server
 *   gives them consecutive sequences, in order). `putMany` is always one transaction. A guarded put (fenced
 *   by a lock or leadership) goes in the guard's transaction, behind its check, and shares a batch only with
 *   puts of the same guard: a failed check never takes another's put with it, nor lets one through unchecked.
 * - at-most-once take: the item's `getData`, then a `delete` — for a batch, one transaction deleting every
 *   item of the batch, sent right behind the reads: one round trip. The delete decides who got an item (a
 *   lost race is `NO_NODE`; then the others of the batch are deleted one by one).
 * - lock-safe take: one transaction {check item, create ephemeral claim} for every item of a batch, the
 *   items' `getData`s right behind it — one round trip; a lost race fails the transaction whole, and the
 *   others are claimed one by one. Once an item is handled: one transaction {delete item, delete claim},
 *   batched the same way.
 * A listing (`getChildren`) serves every item it lists.
 *
 * A request in a batch carries no deadline of its own: once an item was picked, its claim or removal runs
 * to its end (one round trip), so a take whose caller gave up meanwhile never loses an item in flight.
 */
import { channels, traceClock, traceSince, type QueueMessage } from '../../client/channels';
import type { Deadline } from '../../client/deadline';
import { isZkError } from '../../client/errors';
import { joinPath, nodeName } from '../../client/paths';
import type { Transaction, ZooKeeperClient } from '../../client/types';
import { guardLost, isGuardCheckFailure, startGuarded, type Guard } from '../shared/guard';
import { Batcher } from './batcher';
import { MAX_ITEM_BYTES } from './codec';
import { makeQueueNode, queueNodeReady } from './queue-node';
import { ItemList } from './item-list';
import type { ItemName, ItemOrder } from './item-order';
import type { QueueMode } from './options';

/** An item this process took or claimed, with its data. */
export interface TakenItem {
  /** The item's node. */
  item: ItemName;
  /** Its data, as stored. */
  data: Buffer;
  /** Lock-safe: the claim node (the item stays in the queue until {@link QueueCore.ack}). */
  claimPath: string | undefined;
  /** Lock-safe: the session the claim belongs to. */
  sessionId: string | undefined;
  /** When it was taken, by {@link traceClock} (0 or absent: nobody was subscribed to `zk-recipes:queue` then). */
  tracedAt?: number;
}

/** Where an item goes after a failed attempt. */
export interface FailurePolicy {
  /** Attempts after which the item goes to `deadLetterPath` instead of back into the queue. */
  maxAttempts: number;
  /** Where items go after `maxAttempts` failed attempts. */
  deadLetterPath: string | undefined;
}

/** What happened to an item handed back. */
export type HandBack = 'requeued' | 'dead-lettered' | 'lost-claim';

/** Items per batch: a transaction of this many small operations stays far below the request limit. */
const MAX_BATCH = 64;

/** A put waiting to be written. */
interface PutRequest {
  data: Buffer;
  rank: number;
  /** The hold the put is fenced by; puts of different guards (or none) never share a transaction. */
  guard: Guard | undefined;
}

/** The engine of one queue path. */
export class QueueCore {
  readonly list: ItemList;
  /** How the queue is named in messages, e.g. `DistributedQueue /jobs`. */
  readonly what: string;
  /** True when the last claim batch lost a race (see claimBatch). */
  private contended = false;
  private readonly puts = new Batcher<PutRequest, string>(
    (batch) => this.writePuts(batch),
    (waiting) => fitBytes(sameGuard(waiting).map((put) => put.data.length)),
  );
  private readonly takes = new Batcher<ItemName, TakenItem | undefined>(
    (batch) => (this.mode === 'lock-safe' ? this.claimBatch(batch) : this.removeBatch(batch)),
    (waiting) => Math.min(MAX_BATCH, waiting.length),
  );
  private readonly acks = new Batcher<TakenItem, boolean>(
    (batch) => this.ackBatch(batch),
    (waiting) => Math.min(MAX_BATCH / 2, waiting.length),
  );

  constructor(
    readonly client: ZooKeeperClient,
    readonly path: string,
    readonly order: ItemOrder,
    readonly mode: QueueMode,
    readonly lockPath: string,
    readonly failure: FailurePolicy,
    /** The queue's class, e.g. `DistributedQueue` (for messages and `zk-recipes:queue`). */
    readonly kind: string,
  ) {
    this.what = `${kind} ${path}`;
    this.list = new ItemList(client, path, order, mode === 'lock-safe' ? lockPath : undefined);
  }

  /** Writes one item of `rank`, fenced by `guard` if given (the queue's parents are made when missing); resolves with its name. */
  put(data: Buffer, rank: number, guard?: Guard): Promise<string> {
    return this.puts.submit({ data, rank, guard });
  }

  /** Writes all items in one transaction (behind `guard`'s check, if given): all are in the queue, in this order, or none is. */
  async putMany(items: readonly Buffer[], rank: number, guard?: Guard): Promise<string[]> {
    if (items.length === 0) return [];
    return this.writePuts(items.map((data) => ({ data, rank, guard })));
  }

  /** Items in the queue now (claimed ones included): the queue node's child count, one read. */
  async size(): Promise<number> {
    const stat = await this.client.exists(this.path);
    return stat?.numChildren ?? 0;
  }

  /**
   * Takes the next item: at-most-once, removes it; lock-safe, claims it (see {@link QueueCore.ack}). Resolves
   * `undefined` when `wait` is false and no item is there now.
   */
  async next(deadline: Deadline, onTimeout: () => Error, wait: boolean): Promise<TakenItem | undefined> {
    const started = traceClock(channels.queue);
    for (;;) {
      const item = await this.list.next(deadline, onTimeout, wait);
      if (item === undefined) return undefined;
      this.list.inFlight.add(item.name);
      let taken: TakenItem | undefined;
      try {
        taken = await this.takes.submit(item);
      } finally {
        if (taken?.claimPath === undefined) this.list.inFlight.delete(item.name);
      }
      if (taken !== undefined) {
        if (channels.queue.hasSubscribers) this.traceTaken(taken, started);
        return taken;
      }
    }
  }

  /** Lock-safe: the item was handled; removes it and its claim in one transaction (batched). Never rejects. */
  async ack(taken: TakenItem): Promise<void> {
    const acked = await this.acks.submit(taken).catch(() => false);
    if (acked && channels.queue.hasSubscribers) {
      const message: QueueMessage = { event: 'acked', kind: this.kind, path: this.path, sessionId: taken.sessionId, item: taken.item.name, handleMs: traceSince(taken.tracedAt ?? 0) };
      channels.queue.publish(message);
    }
  }

  /** Publishes `taken` (only called with subscribers) and stamps the item for its `acked`. */
  private traceTaken(taken: TakenItem, started: number): void {
    taken.tracedAt = traceClock(channels.queue);
    const message: QueueMessage = {
      event: 'taken',
      kind: this.kind,
      path: this.path,
      sessionId: taken.sessionId ?? this.client.sessionId,
      item: taken.item.name,
      attempts: taken.item.attempts,
      mode: this.mode,
      waitMs: traceSince(started),
    };
    channels.queue.publish(message);
  }

  /**
   * Lock-safe: the item's handling failed; writes it again at the tail with one more attempt counted (or
   * into the dead-letter path once it used up its attempts), removing the old item and the claim in the
   * same transaction. Never rejects: when it cannot be done, the claim goes with the session, and the item
   * stays visible where it was.
   */
  async handBack(taken: TakenItem, data: Buffer = taken.data): Promise<HandBack> {
    const attempts = taken.item.attempts + 1;
    const { deadLetterPath } = this.failure;
    const dead = attempts >= this.failure.maxAttempts && deadLetterPath !== undefined;
    const parent = dead ? deadLetterPath : this.path;
    const target = joinPath(parent, this.order.prefix(taken.item.rank, attempts));
    const done = await this.finish(
      taken,
      (transaction) => transaction.create(target, data, { mode: 'persistent-sequential' }).delete(this.list.itemPath(taken.item.name)),
      parent,
    );
    return done ? (dead ? 'dead-lettered' : 'requeued') : 'lost-claim';
  }

  /** Lock-safe: gives the claim up without handling the item (it becomes visible again as it is). Never rejects. */
  async release(taken: TakenItem): Promise<void> {
    try {
      if (taken.claimPath !== undefined && this.client.sessionId === taken.sessionId) await this.client.delete(taken.claimPath);
    } catch {
      // Gone already, or the session is: either way the claim is no more.
    } finally {
      this.list.inFlight.delete(taken.item.name);
      this.list.invalidate();
    }
  }

  /**
   * Writes puts of one guard (or none): one create, or one transaction of creates — behind the guard's
   * check when there is one (the parents made first when missing). A failed check rejects the whole batch,
   * all of it fenced by that same guard, with a {@link HoldLostError}.
   */
  private async writePuts(batch: readonly PutRequest[]): Promise<string[]> {
    await queueNodeReady(this.client, this.path);
    const target = (put: PutRequest): string => joinPath(this.path, this.order.prefix(put.rank, 0));
    const [only] = batch;
    const guard = only?.guard;
    if (batch.length === 1 && only !== undefined && guard === undefined) {
      const path = await this.client.create(target(only), only.data, { mode: 'persistent-sequential', createParents: true });
      return [nodeName(path)];
    }
    const what = `${this.what} put`;
    for (let attempt = 0; ; attempt += 1) {
      const transaction = guard === undefined ? this.client.transaction() : startGuarded(guard, what);
      for (const put of batch) transaction.create(target(put), put.data, { mode: 'persistent-sequential' });
      try {
        return (await transaction.commit()).flatMap((result) => (result.type === 'create' ? [nodeName(result.path)] : []));
      } catch (error) {
        if (guard !== undefined && isGuardCheckFailure(error)) throw guardLost(what, 'node-deleted', error);
        if (attempt > 0 || !isZkError(error, 'NO_NODE')) throw error;
        await makeQueueNode(this.client, this.path);
      }
    }
  }

  /**
   * Lock-safe claims of a batch: {check item, create claim} per item in one transaction, the reads right
   * behind it. When it fails, the item it failed on is lost (removed, or claimed by another consumer) and
   * the others are claimed one by one.
   */
  private async claimBatch(items: readonly ItemName[], again = true): Promise<(TakenItem | undefined)[]> {
    const [only] = items;
    if (items.length === 1 && only !== undefined) return [await this.claimOne(only)];
    const sessionId = this.client.sessionId;
    const transaction = this.client.transaction();
    for (const item of items) transaction.check(this.list.itemPath(item.name)).create(this.claimPath(item), undefined, { mode: 'ephemeral' });
    const claimed = transaction.commit();
    // Reads go right behind the claims (one round trip) unless the last batch lost a race: then other
    // consumers work through the same items, and reads are sent only for a batch that was won.
    const read = (): Promise<PromiseSettledResult<{ data: Buffer }>[]> =>
      Promise.allSettled(items.map((item) => this.client.getData(this.list.itemPath(item.name))));
    const readAhead = this.contended ? undefined : read();
    const [claim] = await Promise.allSettled([claimed]);
    this.contended = claim.status === 'rejected';
    if (claim.status === 'fulfilled') {
      const data = await (readAhead ?? read());
      return Promise.all(
        items.map(async (item, i) => {
          const result = data[i];
          if (result === undefined) throw new Error('unreachable: one read per item');
          if (result.status === 'fulfilled') return { item, data: result.value.data, claimPath: this.claimPath(item), sessionId };
          await this.client.delete(this.claimPath(item)).catch(() => undefined);
          if (isZkError(result.reason, 'NO_NODE')) return undefined;
          throw result.reason;
        }),
      );
    }
    readAhead?.catch(() => undefined);
    const error: unknown = claim.reason;
    if (!isZkError(error, 'NO_NODE', 'NODE_EXISTS') || error.failedOp === undefined) throw error;
    const { failedOp } = error;
    const lost = Math.floor(failedOp / 2);
    if (isZkError(error, 'NODE_EXISTS')) {
      // Another consumer is working through the same items: read which ones it holds, and claim the rest
      // as one batch again (once) rather than one by one.
      const lostItem = items[lost];
      if (lostItem !== undefined) this.list.blocked(this.claimPath(lostItem));
      if (again) {
        const claimed = await this.list.claimed();
        const free = items.filter((item, i) => i !== lost && !claimed.has(item.name));
        const taken = free.length === 0 ? [] : await this.claimBatch(free, false);
        return items.map((item) => taken[free.indexOf(item)]);
      }
    }
    // NO_NODE on a claim (odd op): the lock path is missing; claimOne makes it.
    return Promise.all(items.map(async (item, i) => (i === lost && (failedOp % 2 === 0 || isZkError(error, 'NODE_EXISTS')) ? undefined : this.claimOne(item))));
  }

  /** One lock-safe claim: {check item, create claim} and a read of the item, in one round trip. */
  private async claimOne(item: ItemName): Promise<TakenItem | undefined> {
    const itemPath = this.list.itemPath(item.name);
    const claimPath = this.claimPath(item);
    for (let attempt = 0; ; attempt += 1) {
      const sessionId = this.client.sessionId;
      const claimed = this.client.transaction().check(itemPath).create(claimPath, undefined, { mode: 'ephemeral' }).commit();
      // As in claimBatch: read ahead unless races are being lost.
      const readAhead = this.contended ? undefined : this.client.getData(itemPath);
      readAhead?.catch(() => undefined);
      const [claim] = await Promise.allSettled([claimed]);
      if (claim.status === 'fulfilled') {
        const [data] = await Promise.allSettled([readAhead ?? this.client.getData(itemPath)]);
        if (data.status === 'fulfilled') return { item, data: data.value.data, claimPath, sessionId };
        await this.client.delete(claimPath).catch(() => undefined);
        if (isZkError(data.reason, 'NO_NODE')) return undefined;
        throw data.reason;
      }
      const error: unknown = claim.reason;
      if (isZkError(error, 'NO_NODE') && error.failedOp === 0) return undefined; // taken and removed already
      if (isZkError(error, 'NODE_EXISTS')) {
        this.list.blocked(claimPath); // claimed by another consumer
        return undefined;
      }
      if (isZkError(error, 'NO_NODE') && attempt === 0) {
        await makeQueueNode(this.client, this.lockPath);
        continue;
      }
      throw error;
    }
  }

  /**
   * At-most-once removal of a batch: the reads, then one transaction deleting every item. When it fails, the
   * item it failed on was taken by another consumer, and the others are deleted one by one.
   */
  private async removeBatch(items: readonly ItemName[]): Promise<(TakenItem | undefined)[]> {
    const reads = items.map((item) => this.client.getData(this.list.itemPath(item.name)));
    const [[removed], data] = await Promise.all([Promise.allSettled([this.deleteItems(items)]), Promise.allSettled(reads)]);
    const taken = (item: ItemName, i: number): TakenItem => {
      const read = data[i];
      if (read === undefined) throw new Error('unreachable: one read per item');
      if (read.status === 'rejected') throw read.reason; // removed by us, but unread: at-most-once, it is lost
      return { item, data: read.value.data, claimPath: undefined, sessionId: undefined };
    };
    if (removed.status === 'fulfilled') return items.map(taken);
    const error: unknown = removed.reason;
    if (!isZkError(error, 'NO_NODE')) throw error;
    if (items.length === 1) return [undefined];
    const lost = error.failedOp ?? -1;
    return Promise.all(
      items.map(async (item, i) => {
        if (i === lost) return undefined;
        try {
          await this.client.delete(this.list.itemPath(item.name));
        } catch (deleteError) {
          if (isZkError(deleteError, 'NO_NODE')) return undefined;
          throw deleteError;
        }
        return taken(item, i);
      }),
    );
  }

  /** Deletes items: one delete, or one transaction for several. */
  private deleteItems(items: readonly ItemName[]): Promise<unknown> {
    const [only] = items;
    if (items.length === 1 && only !== undefined) return this.client.delete(this.list.itemPath(only.name));
    const transaction = this.client.transaction();
    for (const item of items) transaction.delete(this.list.itemPath(item.name));
    return transaction.commit();
  }

  /** Acknowledges a batch: one transaction deleting every item and its claim; one by one when it fails. */
  private async ackBatch(batch: readonly TakenItem[]): Promise<boolean[]> {
    const live = batch.filter((taken) => taken.claimPath !== undefined && taken.sessionId === this.client.sessionId);
    if (live.length > 1) {
      const transaction = this.client.transaction();
      for (const { item, claimPath } of live) if (claimPath !== undefined) transaction.delete(this.list.itemPath(item.name)).delete(claimPath);
      try {
        await transaction.commit();
        for (const taken of live) this.list.inFlight.delete(taken.item.name);
        return batch.map((taken) => live.includes(taken));
      } catch {
        // One of them is gone (a duplicate another consumer finished first): settle each on its own.
      }
    }
    return Promise.all(batch.map((taken) => this.finish(taken, (transaction) => transaction.delete(this.list.itemPath(taken.item.name)))));
  }

  /**
   * Commits `ops` + the deletion of the claim, unless the claim's session is gone (then the claim is gone
   * or going, and the item will be seen again). Resolves whether it committed.
   */
  private async finish(taken: TakenItem, ops: (transaction: Transaction) => Transaction, parent?: string): Promise<boolean> {
    const { claimPath } = taken;
    try {
      for (let attempt = 0; claimPath !== undefined && this.client.sessionId === taken.sessionId; attempt += 1) {
        try {
          await ops(this.client.transaction()).delete(claimPath).commit();
          return true;
        } catch (error) {
          // The target parent (dead-letter path) is missing: make it, once.
          if (parent !== undefined && attempt === 0 && isZkError(error, 'NO_NODE') && error.failedOp === 0) {
            if (await makeQueueNode(this.client, parent).then(() => true, () => false)) continue;
            return false;
          }
          // The item (or our claim) is gone: a retry of a transaction that was applied, or a duplicate
          // delivery that another consumer finished first. Nothing left to do but drop our claim.
          if (isZkError(error, 'NO_NODE')) {
            await this.client.delete(claimPath).catch(() => undefined);
            return true;
          }
          return false;
        }
      }
      return false;
    } finally {
      this.list.inFlight.delete(taken.item.name);
    }
  }

  private claimPath(item: ItemName): string {
    return joinPath(this.lockPath, item.name);
  }
}

/** The leading waiting puts that share the first one's guard (or its lack of one): one transaction's worth at most. */
function sameGuard(waiting: readonly PutRequest[]): readonly PutRequest[] {
  const guard = waiting[0]?.guard;
  const end = waiting.findIndex((put) => put.guard !== guard);
  return end < 0 ? waiting : waiting.slice(0, end);
}

/** How many of the waiting puts (their sizes, in order) fit one request. */
function fitBytes(sizes: readonly number[]): number {
  let total = 0;
  let count = 0;
  for (const size of sizes) {
    if (count === MAX_BATCH || (count > 0 && total + size > MAX_ITEM_BYTES)) break;
    total += size;
    count += 1;
  }
  return count;
}
