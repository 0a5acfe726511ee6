/** {@link ReadWriteLock}: Curator's InterProcessReadWriteLock for Node. */
import { channels, traceClock } from '../../client/channels';
import { protectedPrefix } from '../../client/protected-create';
import { isZkError } from '../../client/errors';
import { joinPath } from '../../client/paths';
import type { ZooKeeperClient } from '../../client/types';
import { RecipeStateError } from '../shared/errors';
import { HoldSignal } from '../shared/hold-signal';
import { discardNode } from './contender-nodes';
import { READ_MARKER, readDriver, writeDriver } from './drivers';
import type { Hold } from './hold';
import { SequentialLock } from './sequential-lock';
import type { LockHandle, LockOptions } from './types';

/** Options of a {@link ReadWriteLock}. */
export type ReadWriteLockOptions = LockOptions;

/**
 * The write half of a {@link ReadWriteLock}: exclusive against readers and writers.
 *
 * @example
 * ```ts
 * const writer = new ReadWriteLock(client, '/locks/catalog').writeLock();
 * await writer.withLock(({ fencingToken }) => publishCatalog(fencingToken));
 * ```
 */
export class WriteLock extends SequentialLock {
  /** @internal */
  readLock: ReadLock | undefined;

  constructor(client: ZooKeeperClient, path: string, options?: ReadWriteLockOptions) {
    super(client, path, writeDriver, options, 'WriteLock');
  }

  /** @internal The write hold the current async context may use. */
  heldInContext(): Hold | undefined {
    return this.heldHere();
  }

  protected override async acquireInContext(): Promise<LockHandle | undefined> {
    // A reader waiting for the write lock would wait for itself: refuse instead of deadlocking.
    if (this.readLock?.heldInContext()) {
      throw new RecipeStateError(`${this.path}: cannot upgrade a read lock to the write lock; release the read lock first`);
    }
    return undefined;
  }
}

/**
 * The read half of a {@link ReadWriteLock}: shared among readers, exclusive against writers.
 *
 * @example
 * ```ts
 * const rw = new ReadWriteLock(client, '/locks/catalog');
 * const catalog = await rw.readLock().withLock(() => loadCatalog());
 * // downgrade: take the read lock while writing, keep it after the write lock is released
 * let reading!: LockHandle;
 * await rw.writeLock().withLock(async () => {
 *   await rebuildCatalog();
 *   reading = await rw.readLock().acquire();
 * });
 * await serveCatalog();
 * await reading.release();
 * ```
 */
export class ReadLock extends SequentialLock {
  constructor(
    client: ZooKeeperClient,
    path: string,
    private readonly writeLock: WriteLock,
    options?: ReadWriteLockOptions,
  ) {
    super(client, path, readDriver, options, 'ReadLock');
  }

  /** @internal The read hold the current async context may use. */
  heldInContext(): Hold | undefined {
    return this.heldHere();
  }

  /**
   * The writer taking the read lock (to downgrade): the read node takes the writer's place in line — a
   * plain ephemeral node named with the writer's sequence, as Curator 5.5+ does — so writers queued behind
   * the writer stay queued behind the reader once the write lock is released. Granted at once.
   */
  protected override async acquireInContext(): Promise<LockHandle | undefined> {
    const writer = this.writeLock.heldInContext();
    if (writer === undefined) return undefined;
    const waitStart = traceClock(channels.lock);
    writer.holdSignal.signal.throwIfAborted();
    const sequence = String(writer.sequence).padStart(10, '0');
    const path = joinPath(this.path, `${protectedPrefix()}${READ_MARKER}${sequence}`);
    try {
      await this.client.create(path, this.options.data, { mode: 'ephemeral' });
    } catch (error) {
      // The reply may be lost after the node was made: never leave it behind.
      if (!isZkError(error, 'NO_NODE', 'NODE_EXISTS', 'NO_AUTH', 'INVALID_ACL')) void discardNode(this.client, path);
      throw error;
    }
    const sessionId = this.client.sessionId;
    const holdSignal = new HoldSignal(this.client, this.options.policy, this.internals.what);
    if (sessionId !== writer.sessionId || writer.holdSignal.aborted) {
      // The write hold went uncertain meanwhile: do not hand out a read hold on its strength.
      holdSignal.abort('released');
      void discardNode(this.client, path);
      writer.holdSignal.signal.throwIfAborted();
      throw new RecipeStateError(`${this.path}: the write lock was lost while taking the read lock`);
    }
    return this.newHold(path, writer.sequence, sessionId, writer.fencingToken, holdSignal, this.origin(waitStart)).handle();
  }
}

/**
 * A distributed read-write lock, interoperable with Apache Curator's `InterProcessReadWriteLock` on the same
 * path (nodes `_c_<uuid>-__READ__<seq10>` and `_c_<uuid>-__WRIT__<seq10>`). Readers share the lock, writers
 * hold it alone, in arrival order (a waiting writer keeps later readers out, so writers do not starve).
 * A writer may take the read lock too, inside `writeLock().withLock(fn)`; releasing the write lock then
 * leaves it holding the read lock (downgrade). Upgrading a read lock is refused (it would deadlock).
 *
 * @example
 * ```ts
 * const rw = new ReadWriteLock(client, '/locks/catalog');
 * const prices = await rw.readLock().withLock(() => readPrices());
 * await rw.writeLock().withLock(async ({ fencingToken }) => {
 *   await writePrices(prices, fencingToken);
 * });
 * ```
 */
export class ReadWriteLock {
  private readonly reader: ReadLock;
  private readonly writer: WriteLock;

  constructor(client: ZooKeeperClient, path: string, options?: ReadWriteLockOptions) {
    this.writer = new WriteLock(client, path, options);
    this.reader = new ReadLock(client, path, this.writer, options);
    this.writer.readLock = this.reader;
  }

  /** The lock's path. */
  get path(): string {
    return this.writer.path;
  }

  /** The shared (read) half. */
  readLock(): ReadLock {
    return this.reader;
  }

  /** The exclusive (write) half. */
  writeLock(): WriteLock {
    return this.writer;
  }
}
