/** A real standalone ZooKeeper server for tests, on a free loopback port, with a throwaway data directory. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { WaitOptions, ZooKeeperClient } from '../client/types';
import { asyncDispose } from './dispose';
import { expireSession, type ExpireSessionOptions } from './expire-session';
import { fourLetterWord, type FourLetterWordOptions } from './four-letter-word';
import { freePorts, LOOPBACK } from './ports';
import {
  commonZooCfg,
  makeTempDir,
  resolveServerOptions,
  writeZooCfg,
  type ResolvedServerOptions,
  type ZooCfgValue,
  type ZooKeeperServerOptions,
} from './server-options';
import { prepareServerTls, type TestingTls } from './server-tls';
import { startServing, ZooKeeperStartError, type StartWait, type ZooKeeperProcess } from './zookeeper-process';

/** Options of {@link TestingServer.start}. */
export type TestingServerOptions = ZooKeeperServerOptions;

/** How often a start tries another port when the chosen one was taken meanwhile. */
const PORT_ATTEMPTS = 5;

/**
 * A real Apache ZooKeeper server (standalone JVM) on `127.0.0.1` and an OS-assigned port, with its data in a
 * temporary directory (in `/dev/shm` when there is one). Start one per test file and give every test its
 * own namespace. The JVM is killed when Node exits, however it exits.
 *
 * @example
 * ```ts
 * const server = await TestingServer.start();
 * const client = new ZkClient({ connectString: server.connectString, sessionTimeoutMs: 4000 });
 * await client.start();
 * await server.expireSession(client);   // the client goes `lost`, then `reconnected` with a new session
 * await server.restart();               // same port, same data
 * await client.close();
 * await server.stop();
 *
 * const secure = await TestingServer.start({ tls: { clientAuth: 'need' } });
 * const tlsClient = new ZkClient({ connectString: secure.connectString, tls: secure.tls!.clientOptions() });
 * ```
 */
export class TestingServer implements AsyncDisposable {
  /** The host the server listens on. */
  readonly host = LOOPBACK;
  private jvm: ZooKeeperProcess | undefined;
  private stopped: Promise<void> | undefined;
  private clientPort = 0;
  private securePort = 0;
  private tlsConfig: ((securePort: number) => Record<string, ZooCfgValue>) | undefined;
  private tlsMaterial: TestingTls | undefined;

  private constructor(
    private readonly options: ResolvedServerOptions,
    /** The temporary directory: `zoo.cfg`, `data/`, `zookeeper.log`, `jvm.out`. Removed by {@link stop}. */
    readonly directory: string,
  ) {}

  /** Starts a server and resolves once it serves; rejects with the log tail when it does not. */
  static async start(options?: TestingServerOptions): Promise<TestingServer> {
    const resolved = resolveServerOptions(options);
    const server = new TestingServer(resolved, makeTempDir(resolved, 'server'));
    try {
      if (resolved.tls) {
        const prepared = await prepareServerTls(server.directory, resolved.tls);
        server.tlsMaterial = prepared.tls;
        server.tlsConfig = prepared.config;
      }
      await server.launchOnFreePort();
    } catch (error) {
      await server.stop();
      throw error;
    }
    return server;
  }

  /** The port clients connect to: the TLS port in TLS mode, else the plain client port. */
  get port(): number {
    return this.tlsMaterial ? this.securePort : this.clientPort;
  }

  /** `127.0.0.1:<port>`, for a client's `connectString` (TLS in TLS mode). */
  get connectString(): string {
    return `${this.host}:${this.port}`;
  }

  /** The plain (not TLS) client port: the same as {@link port} unless in TLS mode. */
  get plainPort(): number {
    return this.clientPort;
  }

  /** `127.0.0.1:<plainPort>`: the plain client port, also open in TLS mode. */
  get plainConnectString(): string {
    return `${this.host}:${this.clientPort}`;
  }

  /** In TLS mode: the CA to trust and a client certificate for mutual TLS. `undefined` otherwise. */
  get tls(): TestingTls | undefined {
    return this.tlsMaterial;
  }

  /** The JVM's pid while it runs, else `undefined`. */
  get pid(): number | undefined {
    return this.jvm?.running ? this.jvm.pid : undefined;
  }

  /** True while the JVM runs. */
  get running(): boolean {
    return this.jvm?.running ?? false;
  }

  /** The last lines of the server's log (for failure messages). */
  logTail(lines?: number): string {
    return this.jvm?.logTail(lines) ?? '(never started)';
  }

  /** Sends a four-letter word (`srvr`, `stat`, `mntr`, `cons`, ...) on the plain port and resolves with the answer. */
  fourLetterWord(command: string, options?: FourLetterWordOptions): Promise<string> {
    return fourLetterWord(this.host, this.clientPort, command, options);
  }

  /**
   * Expires `client`'s session from the server side (see {@link expireSession}, through the plain port);
   * resolves once the client has seen `lost`.
   */
  expireSession(client: ZooKeeperClient, options?: ExpireSessionOptions): Promise<void> {
    return expireSession(client, this.plainConnectString, options);
  }

  /** SIGKILLs the server (a crash); resolves once it is gone. Data stays: {@link restart} brings it back. */
  async kill(): Promise<void> {
    await this.jvm?.kill();
  }

  /**
   * Stops the server gracefully if it runs, then starts it again on the same port with the same data, and
   * resolves once it serves.
   */
  async restart(options: WaitOptions = {}): Promise<void> {
    if (this.stopped) throw new Error('TestingServer.restart(): the server was stopped');
    await this.jvm?.terminate(this.options.stopGraceMs);
    await this.launch({
      timeoutMs: options.timeoutMs ?? this.options.startTimeoutMs,
      signal: options.signal,
      retryWhilePortTaken: true,
    });
  }

  /**
   * Stops the server (SIGTERM, SIGKILL after the grace period) and removes its directory. Idempotent;
   * concurrent callers share one promise.
   */
  stop(): Promise<void> {
    this.stopped ??= (async () => {
      await this.jvm?.terminate(this.options.stopGraceMs);
      await fs.promises.rm(this.directory, { recursive: true, force: true });
    })();
    return this.stopped;
  }

  /** Same as {@link stop}, for `await using`. */
  [asyncDispose](): Promise<void> {
    return this.stop();
  }

  private async launchOnFreePort(): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      const [plain, secure] = await freePorts(this.tlsConfig ? 2 : 1);
      if (plain === undefined) throw new Error('freePorts() returned no port');
      this.clientPort = plain;
      this.securePort = secure ?? 0;
      try {
        await this.launch({ timeoutMs: this.options.startTimeoutMs, signal: this.options.signal });
        return;
      } catch (error) {
        // Someone took the port between our probe and ZooKeeper's bind: pick another.
        if (!(error instanceof ZooKeeperStartError && error.bindFailure) || attempt >= PORT_ATTEMPTS) throw error;
      }
    }
  }

  private async launch(wait: StartWait): Promise<void> {
    const configFile = path.join(this.directory, 'zoo.cfg');
    writeZooCfg(configFile, {
      ...commonZooCfg(this.options),
      dataDir: path.join(this.directory, 'data'),
      clientPort: this.clientPort,
      clientPortAddress: this.host,
      ...this.tlsConfig?.(this.securePort),
      ...this.options.config,
    });
    const spec = { configFile, logDir: this.directory, options: this.options, cleanupDir: this.directory };
    const securePort = this.tlsConfig ? this.securePort : undefined;
    await startServing(spec, this.clientPort, { ...wait, securePort, onLaunch: (jvm) => (this.jvm = jvm) });
  }
}
