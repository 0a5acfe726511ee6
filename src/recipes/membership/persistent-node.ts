/**
 * {@link PersistentNode}: a node that stays present, as Curator's `PersistentNode`: re-created when it is
 * deleted, after reconnecting, and after a session loss.
 */
import { EventEmitter } from 'eventemitter3';
import { Deadline, waitUntil } from '../../client/deadline';
import { isZkError } from '../../client/errors';
import { nodeName, parentPath, validatePath } from '../../client/paths';
import type { ConnectionState, CreateMode, NodeData, StateInfo, WaitOptions, ZooKeeperClient } from '../../client/types';
import { toPayload, validateWaitOptions } from '../../client/validate';
import { RecipeStateError, RecipeTimeoutError } from '../shared/errors';
import { Lifecycle } from '../shared/lifecycle';
import { ProtectedSequentialCreate, RetainedProtectedCreate } from '../shared/protected-sequential';
import { ReconcileLoop } from '../shared/reconcile-loop';
import { isWritable, ownedByCurrentSession, ownerSessionId, whileWritable } from '../shared/session-owner';
import { checkClient } from '../shared/check-client';

const MODES: ReadonlySet<string> = new Set<CreateMode>(['ephemeral', 'persistent', 'ephemeral-sequential', 'persistent-sequential']);

/** Options of a {@link PersistentNode}. */
export interface PersistentNodeOptions {
  /**
   * How the node is created. With a sequential mode the first create appends the sequence (under a
   * Curator protected `_c_<uuid>-` name); later re-creations keep that exact name.
   * @default 'ephemeral'
   */
  mode?: CreateMode;
}

/** Events of a {@link PersistentNode}. */
export interface PersistentNodeEvents {
  /** The node was created (the first time, or again after it was deleted or its session ended). */
  created: (path: string) => void;
  /**
   * An ephemeral node of another session (not one of this client's) is at the path: it is left alone and
   * the node is created once it goes. Emitted once per such node.
   */
  conflict: (ownerSessionId: string) => void;
  /** A background operation failed for a reason other than the connection; the node keeps trying. */
  error: (error: Error) => void;
}

/** `waitForInitialCreate({ timeoutMs })` ran out of time. */
export class PersistentNodeTimeoutError extends RecipeTimeoutError {
  override readonly name = 'PersistentNodeTimeoutError';
}

type Waiter = { done: () => void; fail: (error: unknown) => void; generation: number };

/**
 * A node that stays present for as long as the recipe runs, through connection loss and session loss: it is
 * created on start, watched, re-created when deleted, checked after every reconnect, and re-created in a new
 * session. A node left at the path by an old session of this client is deleted and replaced, never adopted
 * (it would vanish when that session ends); one owned by someone else's session is left alone until it goes.
 * `close()` deletes the node.
 *
 * @example
 * ```ts
 * const node = new PersistentNode(client, '/services/api/instance-1', JSON.stringify({ port: 8080 }));
 * await node.start();                          // resolves once the node exists
 * await node.setData(JSON.stringify({ port: 8080, draining: true }));
 * await node.close();                          // deletes it
 * ```
 */
export class PersistentNode extends EventEmitter<PersistentNodeEvents> {
  /** The path given (for sequential modes, the prefix of the actual name). */
  readonly basePath: string;
  /** The create mode. */
  readonly mode: CreateMode;
  private readonly lifecycle = new Lifecycle('PersistentNode');
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
  private readonly waiters = new Set<Waiter>();
  /** Runs {@link PersistentNode.check}, one look at a time, again after a failure or a reconnect. */
  private readonly loop: ReconcileLoop;
  private closing: Promise<void> | undefined;

  /** Checks every argument; does no I/O. Throws `TypeError`/`RangeError` for bad input. */
  constructor(
    private readonly client: ZooKeeperClient,
    path: string,
    data?: NodeData,
    options: PersistentNodeOptions = {},
  ) {
    super();
    checkClient(client, 'PersistentNode');
    if (typeof options !== 'object' || options === null) throw new TypeError('PersistentNode: options must be an object');
    const mode = options.mode ?? 'ephemeral';
    if (!MODES.has(mode)) throw new TypeError(`PersistentNode: mode must be one of ${[...MODES].join(', ')}, got ${String(mode)}`);
    validatePath(path, 'PersistentNode path');
    if (path === '/') throw new TypeError('PersistentNode: path must not be the root');
    this.payload = toPayload(data, 'PersistentNode data');
    this.basePath = path;
    this.mode = mode;
    this.ephemeral = mode.startsWith('ephemeral');
    this.sequential = mode.endsWith('sequential');
    if (!this.sequential) this.actual = path;
    const sequentialMode = this.ephemeral ? 'ephemeral-sequential' : 'persistent-sequential';
    this.sequentialCreate = new RetainedProtectedCreate(
      () => new ProtectedSequentialCreate(client, parentPath(path), nodeName(path), sequentialMode),
      () => this.active,
    );
    this.loop = new ReconcileLoop(client, {
      step: () => this.check(),
      active: () => this.active,
      onError: (error) => this.safeEmit('error', error),
    });
  }

  /** `latent`, `started` or `closed`. */
  get state(): 'latent' | 'started' | 'closed' {
    return this.lifecycle.state;
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
   * Starts keeping the node present. Resolves once it exists for the first time (as
   * {@link PersistentNode.waitForInitialCreate} without a timeout), or when closed first. Throws
   * {@link RecipeStateError} at once when called a second time.
   */
  start(): Promise<void> {
    this.lifecycle.start();
    if (this.client.sessionId !== undefined) this.sessions.add(this.client.sessionId);
    this.client.on('state', this.onState);
    this.loop.kick();
    const initial = this.waitForInitialCreate().catch((error: unknown) => {
      if (!(error instanceof RecipeStateError)) throw error;
    });
    initial.catch(() => undefined);
    return initial;
  }

  /**
   * Resolves once the node has been created (or found owned by this session) for the first time. Rejects
   * with a {@link PersistentNodeTimeoutError} after `timeoutMs`, with `signal.reason` on abort, and with a
   * {@link RecipeStateError} when not started or closed.
   */
  async waitForInitialCreate(options: WaitOptions = {}): Promise<void> {
    validateWaitOptions(options);
    this.lifecycle.assertStarted('waitForInitialCreate()');
    if (this.initialDone) return;
    await this.wait(0, options, 'the initial create');
  }

  /**
   * Sets the node's data: kept for every later re-creation, and written to the node now. Resolves once the
   * data is on the server (at once when not started yet); rejects on timeout/abort like every wait (the
   * write still happens once possible) and with {@link RecipeStateError} when closed.
   */
  async setData(data: NodeData, options: WaitOptions = {}): Promise<void> {
    const payload = toPayload(data, 'PersistentNode data');
    validateWaitOptions(options);
    if (this.lifecycle.state === 'closed') throw new RecipeStateError('PersistentNode: setData() after close()');
    this.payload = payload;
    this.generation += 1;
    if (this.lifecycle.state === 'latent') return;
    const generation = this.generation;
    this.loop.kick();
    await this.wait(generation, options, 'the data write');
  }

  /**
   * Stops keeping the node and deletes it (only when it is this session's, or a persistent node). Resolves
   * once deleted; when disconnected the delete goes on in the background. Idempotent.
   */
  close(): Promise<void> {
    this.closing ??= this.doClose();
    return this.closing;
  }

  /** Same as {@link PersistentNode.close}. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  private async doClose(): Promise<void> {
    const wasStarted = this.lifecycle.state === 'started';
    this.lifecycle.close();
    if (!wasStarted) return;
    this.client.off('state', this.onState);
    this.loop.stop();
    const closed = new RecipeStateError('PersistentNode: closed');
    for (const waiter of [...this.waiters]) waiter.fail(closed);
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

  private get active(): boolean {
    return this.lifecycle.state === 'started';
  }

  private wait(generation: number, options: WaitOptions, what: string): Promise<void> {
    return waitUntil<void>(
      Deadline.from(options),
      (done, fail) => {
        const waiter: Waiter = { done: () => done(undefined), fail, generation };
        this.waiters.add(waiter);
        return () => this.waiters.delete(waiter);
      },
      () => new PersistentNodeTimeoutError(`PersistentNode ${this.basePath}: ${what} did not happen within ${options.timeoutMs} ms`, options.timeoutMs ?? 0),
    );
  }

  /** The node is present and ours with data of generation `written`: wake whoever waits for that. */
  private confirmed(): void {
    this.initialDone = true;
    for (const waiter of [...this.waiters]) {
      if (waiter.generation <= this.written) waiter.done();
    }
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

  private safeEmit<E extends keyof PersistentNodeEvents>(event: E, ...args: Parameters<PersistentNodeEvents[E]>): void {
    try {
      (this.emit as (event: E, ...rest: Parameters<PersistentNodeEvents[E]>) => boolean)(event, ...args);
    } catch (error) {
      if (event !== 'error') this.safeEmit('error', error instanceof Error ? error : new Error(String(error)));
    }
  }
}
