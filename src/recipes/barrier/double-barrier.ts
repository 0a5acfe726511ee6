/** {@link DoubleBarrier}: Curator's DistributedDoubleBarrier for Node, with the same node layout. */
import { Deadline } from '../../client/deadline';
import { isZkError } from '../../client/errors';
import { joinPath } from '../../client/paths';
import type { WaitOptions, ZooKeeperClient } from '../../client/types';
import { validateWaitOptions } from '../../client/validate';
import { checkClient } from '../shared/check-client';
import { RecipeStateError } from '../shared/errors';
import { oneShotWatch, opOptions, waitForNodeChange, waitForWatchOrState } from '../shared/wait-for-change';
import { barrierTimeout } from './errors';
import { READY_NODE, resolveDoubleBarrierOptions, type DoubleBarrierOptions } from './options';

/** Where a member is: not in, entering, in (between `enter()` and `leave()`), leaving. */
type MemberState = 'out' | 'entering' | 'in' | 'leaving';

/**
 * A double barrier: `enter()` returns once `memberCount` members have entered, `leave()` once every member
 * has left — to start a computation together and to finish it together. Each member is an ephemeral node
 * `<path>/<id>`, so a member whose process dies (its session ends) counts as gone; the first member to see
 * `memberCount` members creates `<path>/ready`, which is what the others wait for (one watch each). The
 * layout is Curator's DistributedDoubleBarrier, so Java and Node members can share a barrier.
 *
 * A wait that times out (or is aborted) deletes this member's node before it rejects.
 *
 * @example
 * ```ts
 * const barrier = new DoubleBarrier(client, '/barriers/batch-42', { memberCount: 3 });
 * await barrier.enter({ timeoutMs: 60_000 }); // all three workers are here
 * await runMyShare();
 * await barrier.leave({ timeoutMs: 60_000 }); // all three are done
 * ```
 */
export class DoubleBarrier implements AsyncDisposable {
  /** The barrier's path (relative to the client's namespace). */
  readonly path: string;
  /** Members needed before `enter()` returns. */
  readonly memberCount: number;
  /** This member's node name. */
  readonly id: string;
  private readonly client: ZooKeeperClient;
  private readonly ourPath: string;
  private readonly readyPath: string;
  private state: MemberState = 'out';

  /** Checks the arguments (RangeError for `memberCount < 1`); does no I/O. */
  constructor(client: ZooKeeperClient, path: string, options: DoubleBarrierOptions) {
    checkClient(client, 'DoubleBarrier');
    const resolved = resolveDoubleBarrierOptions(path, options);
    this.client = client;
    this.path = path;
    this.memberCount = resolved.memberCount;
    this.id = resolved.id;
    this.ourPath = joinPath(path, resolved.id);
    this.readyPath = joinPath(path, READY_NODE);
  }

  /**
   * Enters, and resolves once `memberCount` members are in. Each look costs one round trip (our create, a
   * watch on `ready` and a listing, sent together). Rejects with {@link BarrierTimeoutError} or
   * `signal.reason`, having deleted this member's node.
   */
  async enter(options?: WaitOptions): Promise<void> {
    const { deadline, onTimeout } = this.begin('enter()', options, 'out', 'entering');
    let needNode = true;
    try {
      for (;;) {
        deadline.throwIfAborted();
        if (deadline.expired()) throw onTimeout();
        const { watch, fired } = oneShotWatch();
        const ops = opOptions(deadline);
        const ready = this.client.exists(this.readyPath, { watch, ...ops });
        const created = needNode ? this.createOurNode(ops) : undefined;
        // The first listing can beat the parents our create makes (NO_NODE): then look again.
        const listed = this.client.getChildren(this.path, ops).catch((error: unknown) => {
          if (needNode && isZkError(error, 'NO_NODE')) return undefined;
          throw error;
        });
        const [readyStat, , listing] = await Promise.all([ready, created, listed]);
        needNode = false;
        const sessionId = this.client.sessionId;
        if (readyStat !== null) break;
        if (listing === undefined) continue;
        const { children } = listing;
        if (members(children).length >= this.memberCount) {
          await this.client.create(this.readyPath, undefined, ops).catch((error: unknown) => {
            if (!isZkError(error, 'NODE_EXISTS')) throw error;
          });
          break;
        }
        const outcome = await waitForWatchOrState(this.client, fired, () => Promise.resolve('armed'), { deadline, onTimeout, sessionId });
        // A new session took our ephemeral node with the old one: make it again.
        if (outcome === 'session-changed') needNode = true;
      }
    } catch (error) {
      this.state = 'out';
      await this.deleteOurNode();
      throw this.translate(error, deadline, onTimeout);
    }
    this.state = 'in';
  }

  /**
   * Leaves (deletes this member's node at once), and resolves once every member has left; the last one out
   * deletes `ready`. Waiting watches the highest remaining member's node. Rejects with
   * {@link BarrierTimeoutError} or `signal.reason` (this member's node is gone by then).
   */
  async leave(options?: WaitOptions): Promise<void> {
    const { deadline, onTimeout } = this.begin('leave()', options, 'in', 'leaving');
    let ourNodeDeleted = false;
    try {
      for (;;) {
        deadline.throwIfAborted();
        if (deadline.expired()) throw onTimeout();
        const ops = opOptions(deadline);
        // Our delete and the listing go together: the listing shows who is left after us.
        const deleted = ourNodeDeleted ? undefined : this.deleteOurNode(ops);
        const listed = this.client.getChildren(this.path, ops).catch((error: unknown) => {
          if (isZkError(error, 'NO_NODE')) return { children: [] as string[] };
          throw error;
        });
        const [, { children }] = await Promise.all([deleted, listed]);
        ourNodeDeleted = true;
        const remaining = members(children).filter((name) => name !== this.id);
        const last = remaining.at(-1);
        if (last === undefined) {
          await this.client.delete(this.readyPath, ops).catch((error: unknown) => {
            if (!isZkError(error, 'NO_NODE')) throw error;
          });
          return;
        }
        await waitForNodeChange(this.client, joinPath(this.path, last), { deadline, onTimeout, sessionId: undefined });
      }
    } catch (error) {
      if (!ourNodeDeleted) await this.deleteOurNode();
      throw this.translate(error, deadline, onTimeout);
    } finally {
      this.state = 'out';
    }
  }

  /** Deletes this member's node if it is in or entering (for `await using`); never rejects. */
  async [Symbol.asyncDispose](): Promise<void> {
    if (this.state !== 'out') await this.deleteOurNode();
  }

  private get what(): string {
    return `DoubleBarrier ${this.path}`;
  }

  /** Checks the options and the state (`from` → `to`); the wait's deadline and its timeout error. */
  private begin(operation: string, options: WaitOptions | undefined, from: MemberState, to: MemberState): { deadline: Deadline; onTimeout: () => Error } {
    validateWaitOptions(options);
    if (this.state !== from) throw new RecipeStateError(`${this.what}: ${operation} called while ${this.state}`);
    this.state = to;
    const timeoutMs = options?.timeoutMs ?? Number.POSITIVE_INFINITY;
    return { deadline: Deadline.from(options), onTimeout: () => barrierTimeout(`${this.what}: ${operation}`, this.path, timeoutMs) };
  }

  private async createOurNode(ops: WaitOptions): Promise<void> {
    await this.client.create(this.ourPath, undefined, { mode: 'ephemeral', createParents: true, ...ops }).catch((error: unknown) => {
      // Ours already (a create whose reply was lost and which the client sent again).
      if (!isZkError(error, 'NODE_EXISTS')) throw error;
    });
  }

  /** Deletes our node; resolves once it is gone or cannot be deleted now (it then goes with the session). */
  private async deleteOurNode(ops: WaitOptions = {}): Promise<void> {
    await this.client.delete(this.ourPath, ops).catch(() => undefined);
  }

  /** The abort reason, a timeout, or the error itself. */
  private translate(error: unknown, deadline: Deadline, onTimeout: () => Error): unknown {
    if (deadline.signal?.aborted) return deadline.signal.reason;
    if (deadline.expired() && isZkError(error) && error.retriable) return onTimeout();
    return error;
  }
}

/** Member nodes among a barrier's children, in name order. */
function members(children: readonly string[]): string[] {
  return children.filter((name) => name !== READY_NODE).sort();
}
