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
import { joinPath } from '../../client/paths';
import { clientAccess, findProtectedNode, protectedPrefix, sweepProtected } from '../../client/protected-create';
import type { NodeData, WaitOptions, ZooKeeperClient } from '../../client/types';

/** Sequential modes a {@link ProtectedSequentialCreate} makes. */
export type SequentialMode = 'ephemeral-sequential' | 'persistent-sequential';

/** One logical protected create, which may take several attempts. */
export class ProtectedSequentialCreate {
  /** `_c_<uuid-v4>-`, the prefix of the node's name. */
  readonly prefix = protectedPrefix();
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
    if (this.attempted) await sweepProtected(this.client, this.parent, this.prefix);
  }

  private async find(options: WaitOptions): Promise<string | undefined> {
    const found = await findProtectedNode(clientAccess(this.client, () => options), this.parent, this.prefix, this.mode === 'ephemeral-sequential');
    return found?.path;
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
