/** {@link ClientLifecycle}: how a {@link ZkClient} starts, closes and shuts down, and reports its states. */
import type { EventEmitter } from 'eventemitter3';
import { AsyncQueue } from './async-queue';
import { Connection } from './connection';
import { Deadline } from './deadline';
import { isZkError, ZkError, type ZkOperation } from './errors';
import type { ResolvedOptions } from './options';
import type { OperationGate, OperationRunner } from './operation-runner';
import { ShutdownRegistry } from './shutdown';
import type { ClientEvents, ConnectionState, ShutdownOptions, StateInfo, WaitOptions } from './types';
import { validateDuration, validateWaitOptions } from './validate';
import { makeParents } from './wire-ops';

/**
 * The start/close/shutdown state machine of one client. The client owns it and forwards its public
 * lifecycle methods here; the operation runner asks it (as its {@link OperationGate}) whether to send.
 */
export class ClientLifecycle implements OperationGate {
  private readonly shutdownRegistry: ShutdownRegistry;
  private startPromise: Promise<void> | undefined;
  private closePromise: Promise<void> | undefined;
  private shutdownPromise: Promise<void> | undefined;

  constructor(
    private readonly connection: Connection,
    private readonly options: ResolvedOptions,
    private readonly emitter: EventEmitter<ClientEvents>,
    /** The runner is made after the lifecycle (it takes it as its gate): read when first needed. */
    private readonly runner: () => OperationRunner,
    /** Closes what the client started besides the connection: watchers, background deletes. */
    private readonly closeWork: () => Promise<void>,
  ) {
    this.shutdownRegistry = new ShutdownRegistry(this.options.logger);
  }

  get closed(): boolean {
    return this.closePromise !== undefined;
  }

  get started(): boolean {
    return this.startPromise !== undefined;
  }

  start(): Promise<void> {
    if (this.closePromise) return Promise.reject(ZkError.of('CLIENT_CLOSED', 'connect'));
    this.startPromise ??= this.doStart();
    return this.startPromise;
  }

  private async doStart(): Promise<void> {
    this.connection.open();
    try {
      await this.connection.ready(new Deadline(this.options.connectionTimeoutMs), 'connect');
    } catch (error) {
      // Read before close() drops the wire session: why the last connection attempt failed.
      const socketError = this.connection.lastConnectError;
      await this.close();
      if (isZkError(error, 'CONNECTION_LOSS')) {
        const why = socketError === undefined ? '' : `: ${socketError.message}`;
        throw new ZkError(`could not connect to ${this.options.connectString} within ${this.options.connectionTimeoutMs} ms${why}`, {
          code: 'CONNECT_TIMEOUT',
          operation: 'connect',
          cause: socketError ?? error,
        });
      }
      throw error;
    }
    // A round trip after the handshake: it makes the namespace, and it is where a server refuses the
    // credentials (it answers the auth packets first), so that start() rejects then instead of resolving.
    try {
      if (this.options.namespace !== '') await this.ensureNamespace();
      else if (this.options.auth.length > 0) await this.authBarrier('connect');
    } catch (error) {
      await this.close();
      throw this.authFailure(error, 'connect');
    }
  }

  private async ensureNamespace(): Promise<void> {
    const deadline = new Deadline(this.options.operationTimeoutMs);
    try {
      await this.runner().execute('create', '/', deadline, true, (wire) =>
        makeParents(wire, this.options.namespace, { acl: this.options.defaultAcl, container: false }),
      );
    } catch (error) {
      // A read-only server refuses every write, even of a node that exists: the client starts, and makes
      // the namespace once a read/write server takes it (until then reads under a missing one see NO_NODE).
      if (!isZkError(error, 'NOT_READ_ONLY')) throw error;
      this.ensureNamespaceWhenWritable();
    }
  }

  private ensureNamespaceWhenWritable(): void {
    const onState = (state: ConnectionState): void => {
      if (state !== 'reconnected' && state !== 'closed') return;
      this.emitter.off('state', onState);
      if (state === 'closed') return;
      this.ensureNamespace().catch((error: unknown) => {
        if (!isZkError(error, 'CLIENT_CLOSED')) {
          this.options.logger.warn({ err: error, namespace: this.options.namespace }, 'zookeeper namespace could not be created');
        }
      });
    };
    this.emitter.on('state', onState);
  }

  /**
   * Resolves once the server has answered a request sent after every credential: it processes auth packets
   * in order before later requests, so then they were all accepted. Rejects with AUTH_FAILED when one was not.
   */
  async authBarrier(operation: ZkOperation): Promise<void> {
    const deadline = new Deadline(this.options.operationTimeoutMs);
    try {
      await this.runner().execute(operation, undefined, deadline, true, (wire) => wire.exists('/'));
    } catch (error) {
      throw this.authFailure(error, operation);
    }
  }

  /** `error`, or an AUTH_FAILED ZkError caused by it when the server refused the credentials. */
  private authFailure(error: unknown, operation: ZkOperation): unknown {
    if (!this.connection.authFailed || isZkError(error, 'AUTH_FAILED')) return error;
    return new ZkError(`${operation}: the server refused the credentials (AUTH_FAILED); the client is closed`, {
      code: 'AUTH_FAILED',
      operation,
      cause: error,
    });
  }

  close(): Promise<void> {
    this.closePromise ??= (async () => {
      this.shutdownRegistry.clear();
      await this.closeWork();
      await this.connection.close();
    })();
    return this.closePromise;
  }

  async shutdown(options: ShutdownOptions = {}): Promise<void> {
    const timeoutMs = validateDuration(options.timeoutMs, 'timeoutMs') ?? 10_000;
    this.shutdownPromise ??= (async () => {
      if (this.closePromise === undefined) await this.shutdownRegistry.releaseAll(timeoutMs, this.connection.sessionId);
      await this.close();
    })();
    return this.shutdownPromise;
  }

  /** `shutdown` is the client's, so that the signal path goes where a caller's shutdown() would. */
  shutdownOnSignal(options: ShutdownOptions & { signals?: readonly NodeJS.Signals[] }, shutdown: () => Promise<void>): () => void {
    const signals = options.signals ?? ['SIGTERM', 'SIGINT'];
    validateDuration(options.timeoutMs, 'timeoutMs');
    const remove = (): void => {
      for (const signal of signals) process.off(signal, onSignal);
      this.emitter.off('state', onState);
    };
    const onSignal = (signal: NodeJS.Signals): void => {
      // Removed first: a second signal while shutting down gets Node's default (exit now).
      remove();
      void shutdown().then(() => {
        if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
      });
    };
    const onState = (state: ConnectionState): void => {
      if (state === 'closed') remove();
    };
    if (this.closePromise !== undefined) return () => undefined;
    for (const signal of signals) process.on(signal, onSignal);
    this.emitter.on('state', onState);
    return remove;
  }

  releaseOnShutdown(release: () => Promise<void>): () => void {
    if (this.closePromise !== undefined) return () => undefined; // the session is over: nothing to hand over
    return this.shutdownRegistry.add(release);
  }

  async waitForConnection(options?: WaitOptions): Promise<void> {
    validateWaitOptions(options);
    await this.startOnFirstUse();
    await this.connection.ready(Deadline.from(options), 'connect');
  }

  /**
   * A client used before `start()` starts itself, as the MongoDB driver does (docs/client.md): the first
   * operation waits for the connection and fails with start()'s error (CONNECT_TIMEOUT with its cause)
   * instead of waiting out its own timeout against a client that never tries.
   */
  async startOnFirstUse(): Promise<void> {
    if (this.startPromise === undefined && this.closePromise === undefined) await this.start();
  }

  states(options?: { signal?: AbortSignal }): AsyncIterableIterator<{ state: ConnectionState; info: StateInfo }, undefined> {
    const signal = options?.signal;
    const onState = (state: ConnectionState, info: StateInfo): void => {
      queue.push({ state, info });
      if (state === 'closed') queue.end();
    };
    const onAbort = (): void => queue.end();
    const queue = new AsyncQueue<{ state: ConnectionState; info: StateInfo }>({
      onClose: () => {
        this.emitter.off('state', onState);
        signal?.removeEventListener('abort', onAbort);
      },
    });
    if (this.connection.state === 'closed' || signal?.aborted) {
      queue.end();
    } else {
      this.emitter.on('state', onState);
      signal?.addEventListener('abort', onAbort, { once: true });
    }
    return queue;
  }
}
