/**
 * {@link GroupMember}: membership of a group, as Curator's `GroupMember`: this member's ephemeral node
 * `<groupPath>/<memberId>` kept present by a {@link PersistentNode}, and a live view of every member.
 */
import { channels, traceSince, type GroupMessage } from '../../client/channels';
import { Fanout } from '../../client/async-queue';
import { joinPath, validatePath } from '../../client/paths';
import type { NodeData, WaitOptions, ZooKeeperClient } from '../../client/types';
import { optionsObject } from '../shared/options';
import { Recipe, type RecipeEvents } from '../shared/recipe';
import { GroupView } from './group-view';
import { resolveGroupMemberOptions } from './options';
import { PersistentNode } from './persistent-node';

/** Options of a {@link GroupMember}. */
export interface GroupMemberOptions {
  /** This member's id: its node's name under the group path (no `/`, not `.` or `..`). */
  id: string;
  /** This member's data (what the others see; change it with `setData`). @default empty */
  data?: NodeData;
}

/** Events of a {@link GroupMember} (and `error`: a background operation failed for a reason other than the connection; the member keeps trying). */
export interface GroupMemberEvents extends RecipeEvents {
  /** A member joined (or came back with a new node, e.g. after its session expired). */
  join: (memberId: string, data: Buffer) => void;
  /** A member left (its node is gone). */
  leave: (memberId: string) => void;
  /** A member's data changed. */
  change: (memberId: string, data: Buffer) => void;
  /** The view changed; `members` is the new snapshot (as {@link GroupMember.members} returns it). */
  members: (members: ReadonlyMap<string, Buffer>) => void;
}

/**
 * One member of a group: registers itself as the ephemeral node `<groupPath>/<id>` (re-created after
 * connection or session loss, see {@link PersistentNode}) and keeps a view of all members from a children
 * watch plus the data of each member. Others see `leave` when a member's session ends (crash: within one
 * session timeout) and `join` again when it comes back.
 *
 * @example
 * ```ts
 * const member = new GroupMember(client, '/cluster/workers', { id: 'worker-3', data: JSON.stringify({ slots: 4 }) });
 * member.on('join', (id) => log.info({ id }, 'worker online'));
 * member.on('leave', (id) => log.info({ id }, 'worker offline'));
 * await member.start();
 * for (const [id, data] of member.members()) log.info({ id, data: data.toString() });
 * for await (const members of member) rebalance([...members.keys()]);   // every change, until closed
 * ```
 */
export class GroupMember extends Recipe<GroupMemberEvents> implements AsyncIterable<ReadonlyMap<string, Buffer>> {
  /** This member's id (its node's name). */
  readonly id: string;
  private readonly node: PersistentNode;
  private readonly view: GroupView;
  private readonly snapshots = new Fanout<ReadonlyMap<string, Buffer>>();
  /** The trace clock when this member joined (0 when nobody listened); undefined until it has joined. */
  private joinedAt: number | undefined;

  /** Checks every argument (TypeError/RangeError naming it); does no I/O. */
  constructor(client: ZooKeeperClient, groupPath: string, options: GroupMemberOptions) {
    super(client, groupPath, 'GroupMember');
    const given = optionsObject(options, 'GroupMember', true);
    validateMemberId(given.id);
    const { data } = resolveGroupMemberOptions(options);
    const memberPath = joinPath(groupPath, given.id);
    validatePath(memberPath, 'GroupMember member path');
    this.id = given.id;
    this.node = new PersistentNode(this.client, memberPath, { data, mode: 'ephemeral' });
    this.view = new GroupView(this.client, groupPath, {
      join: (id, value) => this.safeEmit('join', id, value),
      leave: (id) => this.safeEmit('leave', id),
      change: (id, value) => this.safeEmit('change', id, value),
      members: () => {
        const members = this.members();
        this.snapshots.push(members);
        this.safeEmit('members', members);
      },
      error: (error) => this.safeEmit('error', error),
    });
    this.node.on('error', (error) => this.safeEmit('error', error));
  }

  /** Waits like {@link PersistentNode.waitForInitialCreate} for this member's node. */
  waitForInitialCreate(options?: WaitOptions): Promise<void> {
    return this.node.waitForInitialCreate(options);
  }

  /**
   * The members as last seen: id → data. Always includes this member (with its own current data), even
   * before its node shows up in the view. Empty once closed.
   */
  members(): Map<string, Buffer> {
    const members = this.view.snapshot();
    if (this.state !== 'closed') members.set(this.id, this.node.data);
    return members;
  }

  /** Changes this member's data (see {@link PersistentNode.setData}). */
  setData(data: NodeData, options?: WaitOptions): Promise<void> {
    return this.node.setData(data, options);
  }

  /**
   * Snapshots of the members: the current one once read, then one per change, until closed. A slow reader
   * gets the latest snapshot, not every one in between.
   */
  [Symbol.asyncIterator](): AsyncIterableIterator<ReadonlyMap<string, Buffer>, undefined> {
    return this.snapshots.iterate({ maxBuffered: 1, initial: this.view.loaded ? [this.members()] : [] });
  }

  /** Joins the group and starts watching it: resolves once this member's node exists and the first view is read. */
  protected async onStart(): Promise<void> {
    await Promise.all([this.node.start(), this.view.start()]);
    this.joinedAt = traceJoined(this.path, this.id, this.client.sessionId);
  }

  /** Leaves the group (deletes this member's node), stops watching and ends the iterators. */
  protected async onClose(): Promise<void> {
    this.snapshots.end();
    const sessionId = this.client.sessionId;
    await Promise.all([this.node.close(), this.view.close()]);
    if (this.joinedAt !== undefined) traceLeft(this.path, this.id, sessionId, this.joinedAt);
    this.removeAllListeners();
  }
}

/** Publishes `joined` on `zk-recipes:group`; returns the clock reading membership time is measured from. */
function traceJoined(path: string, memberId: string, sessionId: string | undefined): number {
  if (!channels.group.hasSubscribers) return 0;
  const message: GroupMessage = { event: 'joined', kind: 'GroupMember', path, memberId, sessionId };
  channels.group.publish(message);
  return performance.now();
}

/** Publishes `left` on `zk-recipes:group`. */
function traceLeft(path: string, memberId: string, sessionId: string | undefined, joinedAt: number): void {
  if (!channels.group.hasSubscribers) return;
  const message: GroupMessage = { event: 'left', kind: 'GroupMember', path, memberId, sessionId, memberMs: traceSince(joinedAt) };
  channels.group.publish(message);
}

/** Throws a `TypeError` unless `memberId` can be one node name. */
export function validateMemberId(memberId: unknown): asserts memberId is string {
  // A node name, checked like a path (TypeError), since it becomes one.
  if (typeof memberId !== 'string') throw new TypeError(`GroupMember: id must be a string, got ${typeof memberId}`);
  if (memberId.length === 0) throw new TypeError('GroupMember: id must not be empty');
  if (memberId.includes('/')) throw new TypeError(`GroupMember: id must not contain '/': ${JSON.stringify(memberId)}`);
  if (memberId === '.' || memberId === '..') throw new TypeError(`GroupMember: id must not be '${memberId}'`);
}
