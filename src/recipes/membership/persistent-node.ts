/**
 * {@link PersistentNode}: a node that stays present, as Curator's `PersistentNode`: re-created when it is
 * deleted, after reconnecting, and after a session loss.
 */
import { isZkError } from '../../client/errors';
import { nodeName, parentPath, validatePath } from '../../client/paths';
import { isWritable, ownedByCurrentSession, ownerSessionId, whileWritable } from '../../client/protected-create';
import { ReconcileLoop } from '../../client/reconcile-loop';
import type { ConnectionState, CreateMode, NodeData, StateInfo, WaitOptions, ZooKeeperClient } from '../../client/types';
import { toPayload, validateWaitOptions } from '../../client/validate';
import { RecipeStateError } from '../shared/errors';
import { ProtectedSequentialCreate, RetainedProtectedCreate } from '../shared/protected-sequential';
import { Recipe, type RecipeEvents } from '../shared/recipe';
import { Waiters } from '../shared/waiters';
import { PersistentNodeTimeoutError } from './errors';
import { resolvePersistentNodeOptions } from './options';

/** Options of a {@link PersistentNode}. */
export interface PersistentNodeOptions {
  /** The node's data (kept for every re-creation; change it with `setData`). @default empty */
  data?: NodeData;
  /**
   * How the node is created. With a sequential mode the first create appends the sequence (under a
   * Curator protected `_c_<uuid>-` name); later re-creations keep that exact name.
   * @default 'ephemeral'
   */
  mode?: CreateMode;
}

/** Events of a {@link PersistentNode} (and `error`: a background operation failed for a reason other than the connection; the node keeps trying). */
export interface PersistentNodeEvents extends RecipeEvents {
  /** The node was created (the first time, or again after it was deleted or its session ended). */
  created: (path: string) => void;
  /**
   * An ephemeral node of another session (not one of this client's) is at the path: it is left alone and
   * the node is created once it goes. Emitted once per such node.
   */
  conflict: (ownerSessionId: string) => void;
}

/**
 * A node that stays present for as long as the recipe runs, through connection loss and session loss: it is
 * created on start, watched, re-created when deleted, checked after every reconnect, and re-created in a new
 * session. A node left at the path by an old session of this client is deleted and replaced, never adopted
 * (it would vanish when that session ends); one owned by someone else's session is left alone until it goes.
 * `close()` deletes the node.
 *
 * @example
 * ```ts
 * const node = new PersistentNode(client, '/services/api/instance-1', { data: JSON.stringify({ port: 8080 }) });
 * await node.start();                          // resolves once the node exists
 * await node.setData(JSON.stringify({ port: 8080, draining: true }));
 * await node.close();                          // deletes it
 * ```
 */
export class PersistentNode extends Recipe<PersistentNodeEvents> {
  /** The create mode. */
  readonly mode: CreateMode;
  private readonly ephemeral: boolean;
  private readonly sequential: boolean;
  private payload: Buffer;
  /** Generation of `payload`: bumped by setData(); `written` is the generation known to be on the server. */
  private generation = 1;
  private written = 0;
  private actual: string | undefined;
  private readonly sequentialCreate: RetainedProtectedCreate;
  private ownedIn: string | undefined;
  private initialDone = false;
  private readonly sessions = new Set<string>();
  private readonly conflictsReported = new Set<bigint>();
  /** Callers waiting for a generation of the data to be on the server (0: the initial create). */
  private readonly writes = new Waiters<number>();
  /** Runs {@link PersistentNode.check}, one look at a time, again after a failure or a reconnect. */
  private readonly loop: ReconcileLoop;

  /** Checks every argument (TypeError/RangeError naming it); does no I/O. */
  constructor(client: ZooKeeperClient, path: string, options?: PersistentNodeOptions) {
    super(client, path, 'PersistentNode');
    validatePath(path, 'PersistentNode path');
    if (path === '/') throw new TypeError('PersistentNode: path must not be the root');
    const { data, mode } = resolvePersistentNodeOptions(options);
    this.payload = data;
    this.mode = mode;
    this.ephemeral = mode.startsWith('ephemeral');
    this.sequential = mode.endsWith('sequential');
    if (!this.sequential) this.actual = path;
    const sequentialMode = this.ephemeral ? 'ephemeral-sequential' : 'persistent-sequential';
    this.sequentialCreate = new RetainedProtectedCreate(
      () => new ProtectedSequentialCreate(this.client, parentPath(path), nodeName(path), sequentialMode),
      () => this.active,
    );
    this.loop = new ReconcileLoop(this.client, {
      step: () => this.check(),
      active: () => this.active,
      onError: (error) => this.onError(error),
    });
  }

  /** The path given (for sequential modes, the prefix of the actual name). */
  get basePath(): string {
    return this.path;
  }

  /** The node's actual path once known (for sequential modes, after the first create). */
  get actualPath(): string | undefined {
    return this.actual;
  }

  /** The data this node has (or will have once written). */
  get data(): Buffer {
    return this.payload;
  }

  /**
   * Starts keeping the node present: resolves once it exists for the first time; rejects when it cannot be
   * made for a reason other than the connection (e.g. `NO_AUTH`).
   */
  protected async onStart(): Promise<void> {
    if (this.client.sessionId !== undefined) this.sessions.add(this.client.sessionId);
    this.client.on('state', this.onState);
    this.loop.kick();
    await this.waitForInitialCreate();
  }

  /**
   * Resolves once the node has been created (or found owned by this session) for the first time. Rejects
   * with a {@link PersistentNodeTimeoutError} after `timeoutMs`, with `signal.reason` on abort, and with a
   * {@link RecipeStateError} when not started or closed.
   */
  async waitForInitialCreate(options?: WaitOptions): Promise<void> {
    validateWaitOptions(options);
    // Checked and registered in one synchronous step, so that a close() right after this call fails it.
    if (!this.active) await this.whenStarted('waitForInitialCreate()');
    if (this.initialDone) return;
    await this.wait(0, options, 'the initial create');
  }

  /**
   * Sets the node's data: kept for every later re-creation, and written to the node now. Resolves once the
   * data is on the server (at once when not started yet); rejects on timeout/abort like every wait (the
   * write still happens once possible) and with {@link RecipeStateError} when closed.
   */
  async setData(data: NodeData, options?: WaitOptions): Promise<void> {
    const payload = toPayload(data, 'PersistentNode data');
    validateWaitOptions(options);
    if (this.state === 'closed') throw new RecipeStateError(`${this.what}: setData() after close()`);
    this.payload = payload;
    this.generation += 1;
    if (this.state === 'latent') return;
    const generation = this.generation;
    this.loop.kick();
    await this.wait(generation, options, 'the data write');
  }

  /**
   * Stops keeping the node and deletes it (only when it is this session's, or a persistent node). Resolves
   * once deleted; when disconnected the delete goes on in the background.
   */
  protected async onClose(): Promise<void> {
    this.client.off('state', this.onState);
    this.loop.stop();
    this.writes.failAll(new RecipeStateError(`${this.what}: closed`));
    if (!this.loop.busy) await this.sequentialCreate.cleanUp();
    const path = this.actual;
    if (path !== undefined && (this.ownedIn !== undefined || !this.ephemeral)) {
      await whileWritable(this.client, this.deleteOwn(path));
    }
    this.removeAllListeners();
  }

  /** Deletes the node if it is still ours; falls back to a guaranteed delete when the check cannot be made. */
  private async deleteOwn(path: string): Promise<void> {
    try {
      const stat = await this.client.exists(path);
      if (stat === null || (this.ephemeral && !ownedByCurrentSession(stat, this.client))) return;
      await this.client.delete(path, { version: stat.version, guaranteed: true });
    } catch (error) {
      if (isZkError(error, 'NO_NODE', 'BAD_VERSION', 'CLIENT_CLOSED')) return;
      if (this.ownedIn !== undefined && this.ownedIn === this.client.sessionId) {
        await this.client.delete(path, { guaranteed: true }).catch(() => undefined);
      }
    }
  }

  private wait(generation: number, options: WaitOptions | undefined, what: string): Promise<number> {
    return this.writes.wait(
      options,
      () => new PersistentNodeTimeoutError(`${this.what}: ${what} did not happen within ${options?.timeoutMs} ms`, { path: this.path, timeoutMs: options?.timeoutMs ?? 0 }),
      (written) => generation <= written,
    );
  }

  /** The node is present and ours with data of generation `written`: wake whoever waits for that. */
  private confirmed(): void {
    this.initialDone = true;
    this.writes.wake(this.written);
  }

  /** A look failed for a reason other than the connection: before the first create, start() fails with it. */
  private onError(error: Error): void {
    if (this.initialDone) this.safeEmit('error', error);
    else this.writes.failAll(error);
  }

  /** The one switch over connection states. */
  private readonly onState = (state: ConnectionState, info: StateInfo): void => {
    if (info.sessionId !== undefined) this.sessions.add(info.sessionId);
    if (state === 'lost' || (state === 'reconnected' && info.sessionChanged)) this.ownedIn = undefined;
    if (state === 'connected' || state === 'reconnected') this.loop.kick();
  };

  /** Watch on the node: whatever happened to it, look again. */
  private readonly onWatch = (): void => this.loop.kick();

  /** One look: create the node if missing, replace one of an old session, write pending data, watch it. */
  private async check(): Promise<void> {
    if (!isWritable(this.client)) return; // the next reconnect looks again
    if (this.actual === undefined) {
      await this.createFirstSequential();
      return;
    }
    const path = this.actual;
    const stat = await this.client.exists(path, { watch: this.onWatch });
    if (!this.active) return;
    if (stat === null) {
      await this.createAt(path);
      return;
    }
    if (this.ephemeral || stat.ephemeralOwner !== 0n) {
      if (!ownedByCurrentSession(stat, this.client)) {
        const owner = ownerSessionId(stat);
        if (this.ephemeral && this.sessions.has(owner)) {
          // Left by an old session of this client: replace it (the watch set above sees the delete).
          await this.client.delete(path, { version: stat.version }).catch((error: unknown) => {
            if (!isZkError(error, 'NO_NODE', 'BAD_VERSION')) throw error;
          });
          this.loop.kick();
        } else if (!this.conflictsReported.has(stat.czxid)) {
          this.conflictsReported.add(stat.czxid);
          this.safeEmit('conflict', owner);
        }
        return;
      }
    }
    this.ownedIn = this.ephemeral ? this.client.sessionId : undefined;
    const generation = this.generation;
    if (this.written < generation) {
      try {
        await this.client.setData(path, this.payload, { version: stat.version });
      } catch (error) {
        if (!isZkError(error, 'NO_NODE', 'BAD_VERSION')) throw error;
        this.loop.kick();
        return;
      }
      this.written = generation;
    }
    if (!this.active) return;
    this.confirmed();
  }

  private async createAt(path: string): Promise<void> {
    const generation = this.generation;
    const mode: CreateMode = this.ephemeral ? 'ephemeral' : 'persistent';
    try {
      await this.client.create(path, this.payload, { mode, createParents: true });
    } catch (error) {
      if (!isZkError(error, 'NODE_EXISTS')) throw error;
      this.loop.kick(); // someone (maybe our own retried create) made it meanwhile: look at it
      return;
    }
    this.afterCreate(path, generation);
  }

  private async createFirstSequential(): Promise<void> {
    const generation = this.generation;
    const path = await this.sequentialCreate.create(this.payload);
    this.actual = path;
    if (!this.active) {
      void this.client.delete(path, { guaranteed: true }).catch(() => undefined);
      return;
    }
    this.afterCreate(path, generation);
  }

  private afterCreate(path: string, generation: number): void {
    if (!this.active) {
      void this.client.delete(path, { guaranteed: true }).catch(() => undefined);
      return;
    }
    this.ownedIn = this.ephemeral ? this.client.sessionId : undefined;
    this.written = Math.max(this.written, generation);
    this.loop.kick(); // set the watch, and write data changed meanwhile
    this.safeEmit('created', path);
  }
}
