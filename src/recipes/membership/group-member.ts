/**
 * {@link GroupMember}: membership of a group, as Curator's `GroupMember`: this member's ephemeral node
 * `<groupPath>/<memberId>` kept present by a {@link PersistentNode}, and a live view of every member.
 */
import { EventEmitter } from 'eventemitter3';
import { joinPath, validatePath } from '../../client/paths';
import type { NodeData, WaitOptions, ZooKeeperClient } from '../../client/types';
import { validateWaitOptions } from '../../client/validate';
import { Lifecycle } from '../shared/lifecycle';
import { GroupView } from './group-view';
import { PersistentNode } from './persistent-node';
import { checkClient } from '../shared/check-client';

/** Events of a {@link GroupMember}. */
export interface GroupMemberEvents {
  /** A member joined (or came back with a new node, e.g. after its session expired). */
  join: (memberId: string, data: Buffer) => void;
  /** A member left (its node is gone). */
  leave: (memberId: string) => void;
  /** A member's data changed. */
  change: (memberId: string, data: Buffer) => void;
  /** The view changed; `members` is the new snapshot (as {@link GroupMember.members} returns it). */
  members: (members: ReadonlyMap<string, Buffer>) => void;
  /** A background operation failed for a reason other than the connection; the member keeps trying. */
  error: (error: Error) => void;
}

/**
 * One member of a group: registers itself as the ephemeral node `<groupPath>/<memberId>` (re-created after
 * connection or session loss, see {@link PersistentNode}) and keeps a view of all members from a children
 * watch plus the data of each member. Others see `leave` when a member's session ends (crash: within one
 * session timeout) and `join` again when it comes back.
 *
 * @example
 * ```ts
 * const member = new GroupMember(client, '/cluster/workers', 'worker-3', JSON.stringify({ slots: 4 }));
 * member.on('join', (id) => log.info({ id }, 'worker online'));
 * member.on('leave', (id) => log.info({ id }, 'worker offline'));
 * await member.start();
 * for (const [id, data] of member.members()) console.log(id, data.toString());
 * for await (const members of member) rebalance([...members.keys()]);   // every change, until closed
 * ```
 */
export class GroupMember extends EventEmitter<GroupMemberEvents> implements AsyncIterable<ReadonlyMap<string, Buffer>> {
  /** The group's path. */
  readonly groupPath: string;
  /** This member's id (its node's name). */
  readonly memberId: string;
  private readonly lifecycle = new Lifecycle('GroupMember');
  private readonly node: PersistentNode;
  private readonly view: GroupView;
  private closing: Promise<void> | undefined;

  /** Checks every argument; does no I/O. Throws `TypeError`/`RangeError` for bad input. */
  constructor(client: ZooKeeperClient, groupPath: string, memberId: string, data?: NodeData) {
    super();
    checkClient(client, 'GroupMember');
    validatePath(groupPath, 'GroupMember groupPath');
    validateMemberId(memberId);
    const memberPath = joinPath(groupPath, memberId);
    validatePath(memberPath, 'GroupMember member path');
    this.groupPath = groupPath;
    this.memberId = memberId;
    this.node = new PersistentNode(client, memberPath, data, { mode: 'ephemeral' });
    this.view = new GroupView(client, groupPath, {
      join: (id, value) => this.safeEmit('join', id, value),
      leave: (id) => this.safeEmit('leave', id),
      change: (id, value) => this.safeEmit('change', id, value),
      members: () => this.safeEmit('members', this.members()),
      error: (error) => this.safeEmit('error', error),
    });
    this.node.on('error', (error) => this.safeEmit('error', error));
  }

  /** `latent`, `started` or `closed`. */
  get state(): 'latent' | 'started' | 'closed' {
    return this.lifecycle.state;
  }

  /**
   * Joins the group and starts watching it. Resolves once this member's node exists and the first view is
   * read (or when closed first). Throws {@link RecipeStateError} at once when called a second time.
   */
  start(): Promise<void> {
    this.lifecycle.start();
    const ready = Promise.all([this.node.start(), this.view.start()]).then(() => undefined);
    ready.catch(() => undefined);
    return ready;
  }

  /** Waits like {@link PersistentNode.waitForInitialCreate} for this member's node. */
  waitForInitialCreate(options?: WaitOptions): Promise<void> {
    validateWaitOptions(options);
    return this.node.waitForInitialCreate(options);
  }

  /**
   * The members as last seen: id → data. Always includes this member (with its own current data), even
   * before its node shows up in the view. Empty once closed.
   */
  members(): Map<string, Buffer> {
    const members = this.view.snapshot();
    if (this.lifecycle.state !== 'closed') members.set(this.memberId, this.node.data);
    return members;
  }

  /** Changes this member's data (see {@link PersistentNode.setData}). */
  setData(data: NodeData, options?: WaitOptions): Promise<void> {
    return this.node.setData(data, options);
  }

  /** Snapshots of the members: the current one once read, then one per change, until closed. */
  async *[Symbol.asyncIterator](): AsyncGenerator<ReadonlyMap<string, Buffer>> {
    for await (const _ of this.view.changes()) yield this.members();
  }

  /** Leaves the group (deletes this member's node) and stops watching. Idempotent. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      const wasStarted = this.lifecycle.state === 'started';
      this.lifecycle.close();
      if (!wasStarted) return;
      await Promise.all([this.node.close(), this.view.close()]);
      this.removeAllListeners();
    })();
    return this.closing;
  }

  /** Same as {@link GroupMember.close}. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  /** Emits; a listener that throws is reported on `error` and does not disturb the view. */
  private safeEmit<E extends keyof GroupMemberEvents>(event: E, ...args: Parameters<GroupMemberEvents[E]>): void {
    try {
      (this.emit as (event: E, ...rest: Parameters<GroupMemberEvents[E]>) => boolean)(event, ...args);
    } catch (error) {
      if (event !== 'error') this.safeEmit('error', error instanceof Error ? error : new Error(String(error)));
    }
  }
}

/** Throws a `TypeError` unless `memberId` can be one node name. */
export function validateMemberId(memberId: unknown): asserts memberId is string {
  if (typeof memberId !== 'string') throw new TypeError(`GroupMember: memberId must be a string, got ${typeof memberId}`);
  if (memberId.length === 0) throw new TypeError('GroupMember: memberId must not be empty');
  if (memberId.includes('/')) throw new TypeError(`GroupMember: memberId must not contain '/': ${JSON.stringify(memberId)}`);
  if (memberId === '.' || memberId === '..') throw new TypeError(`GroupMember: memberId must not be '${memberId}'`);
}
