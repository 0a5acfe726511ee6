/** {@link OperationRunner}: how the client sends one operation — connection wait, deadline, retry, trace. */
import { Connection } from './connection';
import { Deadline, DeadlineQueue } from './deadline';
import { isZkError, ZkError, type ZkOperation } from './errors';
import { channels } from './logger';
import type { ResolvedOptions } from './options';
import { withNamespace, withoutNamespace } from './paths';
import { withRetry } from './retry';
import type { Transport, WatchCallback } from './transport';
import type { WaitOptions, WatchOption } from './types';

/** What the runner asks of the client's lifecycle before it sends: closed clients refuse, unstarted ones start. */
export interface OperationGate {
  readonly closed: boolean;
  readonly started: boolean;
  startOnFirstUse(): Promise<void>;
}

/**
 * Runs the client's operations on its connection, and maps paths and watch callbacks between the caller's
 * view (namespace-relative) and the server's. Owned by one {@link ZkClient}; holds no session state itself.
 */
export class OperationRunner {
  private readonly persistentListeners = new WeakMap<WatchCallback, WatchCallback>();
  private readonly watchWrappers = new WeakMap<NonNullable<WatchOption['watch']>, WatchCallback>();

  constructor(
    private readonly connection: Connection,
    private readonly options: ResolvedOptions,
    private readonly deadlines: DeadlineQueue,
    private readonly gate: OperationGate,
  ) {}

  run<T>(operation: ZkOperation, path: string, options: WaitOptions, op: (wire: Transport) => Promise<T>): Promise<T> {
    return this.execute(operation, path, Deadline.from(options, this.options.operationTimeoutMs), true, op);
  }

  /**
   * Runs one operation: waits for a connection (within the deadline), sends, bounds the wait for the reply
   * by the deadline, retries retriable failures when `retry`, and publishes a trace event.
   */
  async execute<T>(
    operation: ZkOperation,
    path: string | undefined,
    deadline: Deadline,
    retry: boolean,
    op: (wire: Transport) => Promise<T>,
  ): Promise<T> {
    if (this.gate.closed) throw ZkError.of('CLIENT_CLOSED', operation, path);
    if (!this.gate.started) await this.gate.startOnFirstUse();
    const started = channels.op.hasSubscribers ? performance.now() : 0;
    const send = (wire: Transport): Promise<T> => {
      const reply = op(wire);
      if (deadline.at === Infinity && !deadline.signal) return reply;
      return this.deadlines.bound(reply, deadline, () => ZkError.of('OPERATION_TIMEOUT', operation, path));
    };
    const attempt = (): Promise<T> => {
      deadline.throwIfAborted();
      if (deadline.expired()) throw ZkError.of('OPERATION_TIMEOUT', operation, path);
      // Connected (the common case): send at once, without waiting a microtask for the connection.
      const live = this.connection.isLive ? this.connection.session : undefined;
      return live ? send(live) : this.connection.ready(deadline, operation, path).then(send);
    };
    try {
      return await withRetry(this.options.retry, deadline, attempt, (error) => retry && isZkError(error) && error.retriable);
    } catch (error) {
      throw isZkError(error) && path !== undefined && error.path !== path ? this.withCallerPath(error, path) : error;
    } finally {
      if (started !== 0) {
        channels.op.publish({ operation, path, sessionId: this.connection.sessionId, durationMs: performance.now() - started });
      }
    }
  }

  /** Re-labels an error raised on a server path (namespace applied) with the caller's path. */
  withCallerPath(error: ZkError, path: string): ZkError {
    const what = error.failedOp === undefined ? error.operation : `${error.operation} op ${error.failedOp}`;
    // Whatever the message says after the code (e.g. what the server lacks) stays.
    const note = error.message.slice(error.message.indexOf(`: ${error.code}`) + error.code.length + 2);
    return new ZkError(`${what} ${path}: ${error.code}${note}`, {
      code: error.code,
      operation: error.operation,
      path,
      failedOp: error.failedOp,
      cause: error.cause,
    });
  }

  /** One wrapper per callback, so that passing the same callback again does not stack up watches. */
  wrapWatch(watch: WatchOption['watch']): WatchCallback | undefined {
    if (watch === undefined) return undefined;
    if (typeof watch !== 'function') throw new TypeError('watch must be a function');
    let wrapped = this.watchWrappers.get(watch);
    if (!wrapped) {
      wrapped = (event) => {
        // The wire client calls every watch of an event in a row from its socket handler: one that throws
        // must not stop the others (nor reach the socket handler). As the Java client does, it is logged.
        const path = this.relative(event.path);
        try {
          watch({ type: event.type, path });
        } catch (error) {
          this.options.logger.error({ err: error, path, event: event.type }, 'zookeeper watch callback threw');
        }
      };
      this.watchWrappers.set(watch, wrapped);
    }
    return wrapped;
  }

  /** A persistent watch's listener as the transport calls it: server paths made relative, one per listener. */
  persistentListener(listener: WatchCallback): WatchCallback {
    let wrapped = this.persistentListeners.get(listener);
    if (!wrapped) {
      wrapped = (event) => listener({ type: event.type, path: this.relative(event.path) });
      this.persistentListeners.set(listener, wrapped);
    }
    return wrapped;
  }

  /** The server's path for a caller's path: the namespace applied. */
  full(path: string): string {
    return withNamespace(this.options.namespace, path);
  }

  /** The caller's path for a server's path: the namespace taken off. */
  relative(path: string): string {
    return withoutNamespace(this.options.namespace, path);
  }
}
