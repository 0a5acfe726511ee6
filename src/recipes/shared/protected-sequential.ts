/**
 * Curator's protected sequential create (`<parent>/_c_<uuid>-<marker><seq10>`), made resumable across calls.
 *
 * The client's own `protected` option recovers a connection loss *within* one `create()`. A recipe that
 * keeps running in the background needs more: when the whole call fails (the operation deadline passed while
 * disconnected), the node may still have been made, and an unknown node of ours would sit in the queue for as
 * long as the session lives, blocking everyone behind it. So the prefix is kept until the create is known to
 * have succeeded or failed: the next {@link ProtectedSequentialCreate.create} looks for the node by its
 * prefix first, adopting one of the current session and deleting one of another session (never adopted:
 * it vanishes when that session ends), and {@link ProtectedSequentialCreate.cleanUp} removes whatever an
 * abandoned attempt left.
 */
import { randomUUID } from 'node:crypto';
import { isZkError } from '../../client/errors';
import { joinPath } from '../../client/paths';
import type { NodeData, WaitOptions, ZooKeeperClient } from '../../client/types';
import { ownedByCurrentSession } from './session-owner';

/** Sequential modes a {@link ProtectedSequentialCreate} makes. */
export type SequentialMode = 'ephemeral-sequential' | 'persistent-sequential';

/** One logical protected create, which may take several attempts. */
export class ProtectedSequentialCreate {
  /** `_c_<uuid-v4>-`, the prefix of the node's name. */
  readonly prefix = `_c_${randomUUID()}-`;
  private attempted = false;

  constructor(
    private readonly client: ZooKeeperClient,
    private readonly parent: string,
    private readonly marker: string,
    private readonly mode: SequentialMode,
  ) {}

  /**
   * Creates the node (parents as needed) and resolves with its path; after an earlier failed attempt, first
   * adopts the node that attempt made, if it is there and ours. Errors propagate; call again to resume.
   */
  async create(data: NodeData, options: WaitOptions = {}): Promise<string> {
    if (this.attempted) {
      const found = await this.find(options);
      if (found !== undefined) return found;
    }
    this.attempted = true;
    // Not `protected: true`: the prefix is ours so that it outlives this call; the client then does not
    // retry the sequential create blindly, and find() does the recovery.
    return this.client.create(joinPath(this.parent, this.prefix + this.marker), data, {
      mode: this.mode,
      createParents: true,
      ...options,
    });
  }

  /** Deletes (guaranteed) any node an unfinished attempt may have left. Never rejects. */
  async cleanUp(): Promise<void> {
    if (!this.attempted) return;
    try {
      const { children } = await this.client.getChildren(this.parent);
      for (const name of children) {
        if (name.startsWith(this.prefix)) await this.client.delete(joinPath(this.parent, name), { guaranteed: true });
      }
    } catch {
      // Gone with the parent, or the client closed: nothing left to clean, or nothing we can do.
    }
  }

  private async find(options: WaitOptions): Promise<string | undefined> {
    let children: string[];
    try {
      children = (await this.client.getChildren(this.parent, options)).children;
    } catch (error) {
      if (isZkError(error, 'NO_NODE')) return undefined;
      throw error;
    }
    const name = children.find((child) => child.startsWith(this.prefix));
    if (name === undefined) return undefined;
    const path = joinPath(this.parent, name);
    if (this.mode === 'persistent-sequential') return path;
    const stat = await this.client.exists(path, options);
    if (ownedByCurrentSession(stat, this.client)) return path;
    if (stat !== null) {
      await this.client.delete(path, { ...options, version: stat.version }).catch((error: unknown) => {
        if (!isZkError(error, 'NO_NODE', 'BAD_VERSION')) throw error;
      });
    }
    return undefined;
  }
}

/**
 * The protected create of a recipe that retries in the background (a latch's node, a sequential persistent
 * node): one {@link ProtectedSequentialCreate} is kept from a failed call to the next, so the retry resumes
 * it; it is forgotten once it succeeded, and abandoned (its leftovers deleted) when it failed after the
 * recipe stopped running.
 */
export class RetainedProtectedCreate {
  private pending: ProtectedSequentialCreate | undefined;

  /** `begin` makes a fresh create; `active` says whether the recipe still runs. Does no I/O. */
  constructor(
    private readonly begin: () => ProtectedSequentialCreate,
    private readonly active: () => boolean,
  ) {}

  /** Creates the node, resuming the unfinished create of an earlier call if there is one; resolves with its path. */
  async create(data: NodeData): Promise<string> {
    this.pending ??= this.begin();
    const create = this.pending;
    let path: string;
    try {
      path = await create.create(data);
    } catch (error) {
      if (!this.active()) {
        this.pending = undefined;
        void create.cleanUp();
      }
      throw error;
    }
    this.pending = undefined;
    return path;
  }

  /**
   * Deletes whatever an unfinished create left (for `close()`, while no {@link RetainedProtectedCreate.create}
   * is in flight: one in flight cleans up after itself once it sees the recipe stopped). Never rejects.
   */
  async cleanUp(): Promise<void> {
    await this.pending?.cleanUp();
  }
}
