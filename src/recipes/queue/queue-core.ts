/**
 * {@link QueueCore}: the engine every queue of this folder runs on (an {@link ItemOrder} is its strategy).
 *
 * Cost per item, in requests, with every read and claim pipelined (sent without waiting for the previous
 * reply: one session's requests are answered in order):
 * - put: one create (`putMany`: one transaction for all).
 * - at-most-once take: a `getData` and a `delete` sent together — one round trip; the delete decides who
 *   got the item (a lost race is a `NO_NODE`, and the take moves on to the next name).
 * - lock-safe take: a transaction {check item, create ephemeral claim} and a `getData`, sent together — one
 *   round trip, and a lost race leaves nothing behind (the transaction fails whole); then, once handled,
 *   one transaction {delete item, delete claim}.
 * A listing (`getChildren`) serves every item it lists.
 */
import type { Deadline } from '../../client/deadline';
import { isZkError } from '../../client/errors';
import { joinPath } from '../../client/paths';
import type { ZooKeeperClient } from '../../client/types';
import { opOptions } from '../shared/wait-for-change';
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

/** The engine of one queue path. */
export class QueueCore {
  readonly list: ItemList;

  constructor(
    readonly client: ZooKeeperClient,
    readonly path: string,
    readonly order: ItemOrder,
    readonly mode: QueueMode,
    readonly lockPath: string,
    readonly failure: FailurePolicy,
    /** How the queue is named in messages, e.g. `DistributedQueue /jobs`. */
    readonly what: string,
  ) {
    this.list = new ItemList(client, path, order);
  }

  /** Writes one item of `rank` (the queue's parents are made when missing). */
  async put(data: Buffer, rank: number, options: { timeoutMs?: number; signal?: AbortSignal } = {}): Promise<string> {
    const path = await this.client.create(joinPath(this.path, this.order.prefix(rank, 0)), data, {
      mode: 'persistent-sequential',
      createParents: true,
      ...options,
    });
    return path.slice(path.lastIndexOf('/') + 1);
  }

  /** Writes all items in one transaction: all are in the queue, in this order, or none is. */
  async putMany(items: readonly Buffer[], rank: number): Promise<string[]> {
    if (items.length === 0) return [];
    const name = joinPath(this.path, this.order.prefix(rank, 0));
    for (let attempt = 0; ; attempt += 1) {
      const transaction = this.client.transaction();
      for (const data of items) transaction.create(name, data, { mode: 'persistent-sequential' });
      try {
        const results = await transaction.commit();
        return results.map((result) => (result.type === 'create' ? result.path.slice(result.path.lastIndexOf('/') + 1) : ''));
      } catch (error) {
        if (attempt > 0 || !isZkError(error, 'NO_NODE')) throw error;
        await this.ensure(this.path);
      }
    }
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
    for (;;) {
      const item = await this.list.next(deadline, onTimeout, wait);
      if (item === undefined) return undefined;
      this.list.inFlight.add(item.name);
      let taken: TakenItem | undefined;
      try {
        taken = this.mode === 'lock-safe' ? await this.claim(item, deadline) : await this.remove(item, deadline);
      } finally {
        if (taken === undefined || taken.claimPath === undefined) this.list.inFlight.delete(item.name);
      }
      if (taken !== undefined) return taken;
    }
  }

  /** Lock-safe: the item was handled; removes it and its claim in one transaction. Never rejects. */
  async ack(taken: TakenItem): Promise<void> {
    await this.finish(taken, (transaction) => transaction.delete(this.list.itemPath(taken.item.name)));
  }

  /**
   * Lock-safe: the item's handling failed; writes it again at the tail with one more attempt counted (or
   * into the dead-letter path once it used up its attempts), removing the old item and the claim in the
   * same transaction. Never rejects: when it cannot be done, the claim goes with the session, and the item
   * stays visible where it was.
   */
  async handBack(taken: TakenItem, data: Buffer = taken.data): Promise<HandBack> {
    const attempts = taken.item.attempts + 1;
    const dead = attempts >= this.failure.maxAttempts && this.failure.deadLetterPath !== undefined;
    const parent = dead ? this.failure.deadLetterPath! : this.path;
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
   * Commits `ops` + the deletion of the claim, unless the claim's session is gone (then the claim is gone
   * or going, and the item will be seen again). Resolves whether it committed.
   */
  private async finish(
    taken: TakenItem,
    ops: (transaction: ReturnType<ZooKeeperClient['transaction']>) => ReturnType<ZooKeeperClient['transaction']>,
    parent?: string,
  ): Promise<boolean> {
    const { claimPath } = taken;
    try {
      for (let attempt = 0; claimPath !== undefined && this.client.sessionId === taken.sessionId; attempt += 1) {
        try {
          await ops(this.client.transaction()).delete(claimPath).commit();
          return true;
        } catch (error) {
          // The target parent (dead-letter path) is missing: make it, once.
          if (parent !== undefined && attempt === 0 && isZkError(error, 'NO_NODE') && error.failedOp === 0) {
            await this.ensure(parent);
            continue;
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

  /** Lock-safe claim: {check item, create claim} and a read of the item, in one round trip. */
  private async claim(item: ItemName, deadline: Deadline): Promise<TakenItem | undefined> {
    const itemPath = this.list.itemPath(item.name);
    const claimPath = joinPath(this.lockPath, item.name);
    for (let attempt = 0; ; attempt += 1) {
      const options = opOptions(deadline);
      const sessionId = this.client.sessionId;
      const claimed = this.client.transaction().check(itemPath).create(claimPath, undefined, { mode: 'ephemeral' }).commit(options);
      const read = this.client.getData(itemPath, options);
      const [claim, data] = await Promise.allSettled([claimed, read]);
      if (claim.status === 'fulfilled') {
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
        await this.ensure(this.lockPath);
        continue;
      }
      throw error;
    }
  }

  /** At-most-once removal: read and delete sent together; the delete decides who got the item. */
  private async remove(item: ItemName, deadline: Deadline): Promise<TakenItem | undefined> {
    const itemPath = this.list.itemPath(item.name);
    const options = opOptions(deadline);
    const [data, removed] = await Promise.allSettled([this.client.getData(itemPath, options), this.client.delete(itemPath, options)]);
    if (removed.status === 'rejected') {
      if (isZkError(removed.reason, 'NO_NODE')) return undefined;
      throw removed.reason;
    }
    if (data.status === 'rejected') throw data.reason;
    return { item, data: data.value.data, claimPath: undefined, sessionId: undefined };
  }

  /** Makes `path` (and its parents) unless it exists. */
  private async ensure(path: string): Promise<void> {
    await this.client.create(path, undefined, { createParents: true }).catch((error: unknown) => {
      if (!isZkError(error, 'NODE_EXISTS')) throw error;
    });
  }
}
