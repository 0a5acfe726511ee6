/** A real ZooKeeper ensemble (3 or 5 JVMs) on loopback for tests: kill, stop and restart members, find the leader. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { WaitOptions, ZooKeeperClient } from '../client/types';
import { asyncDispose } from './dispose';
import { expireSession, type ExpireSessionOptions } from './expire-session';
import { fourLetterWord, parseMode, type FourLetterWordOptions } from './four-letter-word';
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
import { pollUntil } from './wait';
import { startServing, ZooKeeperStartError, type StartWait, type ZooKeeperProcess } from './zookeeper-process';

/** Options of {@link TestingCluster.start}. */
export interface TestingClusterOptions extends ZooKeeperServerOptions {
  /** Number of servers in the ensemble. @default 3 */
  size?: 3 | 5;
  /**
   * Lets a member that lost its quorum serve reads (ZooKeeper's read-only mode): about 2 s after losing it, a
   * member answers clients that ask for read-only mode (`canBeReadOnly`), and `isro` on it answers `ro`.
   * Sets the JVM property `readonlymode.enabled` and, since a read-only server can only open local sessions
   * (ZooKeeper 3.5+), `localSessionsEnabled=true` (with `localSessionsUpgradingEnabled=true`: a session
   * becomes global, and can move between members, once it creates an ephemeral node). `config` can
   * override those two. Starts and restarts still wait for a quorum: a member serving read-only does not
   * count as started.
   * @default false
   */
  readOnlyMode?: boolean;
}

const READ_ONLY_MODE_JVM_OPTION = '-Dreadonlymode.enabled=true';
const READ_ONLY_MODE_CONFIG: Record<string, ZooCfgValue> = { localSessionsEnabled: true, localSessionsUpgradingEnabled: true };

/** One member of a {@link TestingCluster}, as it is now. */
export interface ClusterMember {
  /** Position in the cluster (0-based), as taken by `kill(i)`, `stop(i)`, `restart(i)`. */
  readonly index: number;
  /** ZooKeeper's server id (`myid`): `index + 1`. */
  readonly id: number;
  /** ZooKeeper's plain `clientPort` (four-letter words; plain clients). */
  readonly clientPort: number;
  /** ZooKeeper's `secureClientPort` in TLS mode, else `undefined`. */
  readonly secureClientPort: number | undefined;
  /** Port followers connect to the leader on. */
  readonly quorumPort: number;
  /** Port of leader election. */
  readonly electionPort: number;
  /** `127.0.0.1:<port>` of the port clients connect to: the TLS port in TLS mode, else `clientPort`. */
  readonly connectString: string;
  /** The JVM's pid while it runs. */
  readonly pid: number | undefined;
  /** True while the JVM runs. */
  readonly running: boolean;
  /** This member's directory (`zoo.cfg`, `data/`, logs). */
  readonly directory: string;
}

interface Member {
  readonly id: number;
  readonly directory: string;
  clientPort: number;
  securePort: number;
  quorumPort: number;
  electionPort: number;
  jvm: ZooKeeperProcess | undefined;
}

/** How often a start picks new ports when one was taken meanwhile. */
const PORT_ATTEMPTS = 3;

/**
 * A real ZooKeeper ensemble of 3 or 5 servers on `127.0.0.1`, every client, quorum and election port chosen
 * by the OS. `connectString` lists all members. Members can be SIGKILLed, stopped and restarted one by one;
 * `leaderIndex()` says which one leads.
 *
 * @example
 * ```ts
 * const cluster = await TestingCluster.start({ size: 3 });
 * const client = new ZkClient({ connectString: cluster.connectString, sessionTimeoutMs: 6000 });
 * await client.start();
 * const leader = await cluster.waitForLeader();
 * await cluster.kill(leader);                 // a crash: the others elect a new leader
 * const next = await cluster.waitForLeader();
 * await cluster.restart(leader);              // back as a follower
 * await client.close();
 * await cluster.stop();
 * ```
 */
export class TestingCluster implements AsyncDisposable {
  private stopped: Promise<void> | undefined;
  private tlsConfig: ((securePort: number) => Record<string, ZooCfgValue>) | undefined;
  private tlsMaterial: TestingTls | undefined;

  private constructor(
    private readonly options: ResolvedServerOptions,
    /** The temporary directory holding every member's directory. Removed by {@link stop}. */
    readonly directory: string,
    private readonly members: Member[],
  ) {}

  /** Starts the ensemble and resolves once every member serves (a leader is elected). */
  static async start(options: TestingClusterOptions = {}): Promise<TestingCluster> {
    const size = options.size ?? 3;
    if (size !== 3 && size !== 5) throw new RangeError(`size must be 3 or 5, got ${String(size)}`);
    const readOnly = options.readOnlyMode === true;
    const resolved = resolveServerOptions({
      ...options,
      jvmOptions: [...(readOnly ? [READ_ONLY_MODE_JVM_OPTION] : []), ...(options.jvmOptions ?? [])],
      config: { ...(readOnly ? READ_ONLY_MODE_CONFIG : {}), ...options.config },
    });
    const root = makeTempDir(resolved, 'cluster');
    const members = Array.from({ length: size }, (_, index): Member => {
      const directory = path.join(root, `server-${index + 1}`);
      fs.mkdirSync(path.join(directory, 'data'), { recursive: true });
      fs.writeFileSync(path.join(directory, 'data', 'myid'), `${index + 1}\n`);
      return { id: index + 1, directory, clientPort: 0, securePort: 0, quorumPort: 0, electionPort: 0, jvm: undefined };
    });
    const cluster = new TestingCluster(resolved, root, members);
    try {
      if (resolved.tls) {
        // One CA and one server certificate (for 127.0.0.1) serve every member.
        const prepared = await prepareServerTls(root, resolved.tls);
        cluster.tlsMaterial = prepared.tls;
        cluster.tlsConfig = prepared.config;
      }
      await cluster.launchAllOnFreePorts();
    } catch (error) {
      await cluster.stop();
      throw error;
    }
    return cluster;
  }

  /** Number of members. */
  get size(): number {
    return this.members.length;
  }

  /** Every member's `127.0.0.1:<port>`, comma-separated, in index order: the TLS ports in TLS mode. */
  get connectString(): string {
    return this.members.map((member) => this.address(member)).join(',');
  }

  /** Every member's plain client port, as {@link connectString}: open in TLS mode too. */
  get plainConnectString(): string {
    return this.members.map((member) => `${LOOPBACK}:${member.clientPort}`).join(',');
  }

  /** In TLS mode: the CA to trust and a client certificate for mutual TLS. `undefined` otherwise. */
  get tls(): TestingTls | undefined {
    return this.tlsMaterial;
  }

  /** A snapshot of every member. */
  get servers(): readonly ClusterMember[] {
    return this.members.map((member, index) => ({
      index,
      id: member.id,
      clientPort: member.clientPort,
      secureClientPort: this.tlsMaterial ? member.securePort : undefined,
      quorumPort: member.quorumPort,
      electionPort: member.electionPort,
      connectString: this.address(member),
      pid: member.jvm?.running ? member.jvm.pid : undefined,
      running: member.jvm?.running ?? false,
      directory: member.directory,
    }));
  }

  /** `127.0.0.1:<port>` of member `index` (its TLS port in TLS mode). */
  connectStringOf(index: number): string {
    return this.address(this.member(index));
  }

  /** Sends a four-letter word to member `index` (on its plain port). */
  fourLetterWord(index: number, command: string, options?: FourLetterWordOptions): Promise<string> {
    return fourLetterWord(LOOPBACK, this.member(index).clientPort, command, options);
  }

  /**
   * Index of the member that reports `Mode: leader` right now, or `undefined` when none does (an election is
   * under way, or quorum is lost).
   */
  async leaderIndex(options: FourLetterWordOptions = {}): Promise<number | undefined> {
    const modes = await Promise.all(
      this.members.map(async (member) => {
        if (!member.jvm?.running) return undefined;
        try {
          return parseMode(await fourLetterWord(LOOPBACK, member.clientPort, 'srvr', { timeoutMs: 2000, ...options }));
        } catch {
          return undefined;
        }
      }),
    );
    const index = modes.indexOf('leader');
    return index >= 0 ? index : undefined;
  }

  /** Resolves with the leader's index once a member reports `Mode: leader`. */
  waitForLeader(options: WaitOptions = {}): Promise<number> {
    const timeoutMs = options.timeoutMs ?? this.options.startTimeoutMs;
    return pollUntil(() => this.leaderIndex({ signal: options.signal }), {
      timeoutMs,
      signal: options.signal,
      timeoutError: () => new Error(`no member of the cluster reported Mode: leader within ${timeoutMs} ms`),
    });
  }

  /** SIGKILLs member `index` (a crash) and resolves once it is gone. Its data stays for {@link restart}. */
  async kill(index: number): Promise<void> {
    await this.member(index).jvm?.kill();
  }

  /**
   * Freezes member `index` (SIGSTOP): its connections stay open but it answers nothing, and the others
   * drop it from their quorum, as a server stalled by a long GC pause. {@link resume} lets it go on; a stop
   * or kill works on a paused member too.
   */
  pause(index: number): void {
    this.member(index).jvm?.pause();
  }

  /** Lets a {@link pause}d member run again (SIGCONT). */
  resume(index: number): void {
    this.member(index).jvm?.resume();
  }

  /**
   * With an index: stops that member gracefully (SIGTERM, SIGKILL after the grace period); its data stays.
   * Without: stops every member and removes the cluster's directory; idempotent, concurrent callers share
   * one promise.
   */
  stop(index?: number): Promise<void> {
    if (index !== undefined) {
      const member = this.member(index);
      return member.jvm ? member.jvm.terminate(this.options.stopGraceMs).then(() => undefined) : Promise.resolve();
    }
    this.stopped ??= (async () => {
      await Promise.all(this.members.map(async (member) => member.jvm?.terminate(this.options.stopGraceMs)));
      await fs.promises.rm(this.directory, { recursive: true, force: true });
    })();
    return this.stopped;
  }

  /**
   * Stops member `index` gracefully if it runs, starts it again with the same ports and data, and resolves
   * once it serves (it has joined a quorum).
   */
  async restart(index: number, options: WaitOptions = {}): Promise<void> {
    if (this.stopped) throw new Error('TestingCluster.restart(): the cluster was stopped');
    const member = this.member(index);
    await member.jvm?.terminate(this.options.stopGraceMs);
    await this.launch(member, {
      timeoutMs: options.timeoutMs ?? this.options.startTimeoutMs,
      signal: options.signal,
      retryWhilePortTaken: true,
    });
  }

  /**
   * Expires `client`'s session from the server side through the members' plain ports (see
   * {@link expireSession}); resolves once the client has seen `lost`.
   */
  expireSession(client: ZooKeeperClient, options?: ExpireSessionOptions): Promise<void> {
    return expireSession(client, this.plainConnectString, options);
  }

  /** Same as `stop()`, for `await using`. */
  [asyncDispose](): Promise<void> {
    return this.stop();
  }

  private address(member: Member): string {
    return `${LOOPBACK}:${this.tlsMaterial ? member.securePort : member.clientPort}`;
  }

  private member(index: number): Member {
    const member = Number.isInteger(index) ? this.members[index] : undefined;
    if (!member) throw new RangeError(`server index must be 0..${this.members.length - 1}, got ${String(index)}`);
    return member;
  }

  private async launchAllOnFreePorts(): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      const perMember = this.tlsConfig ? 4 : 3;
      const ports = await freePorts(perMember * this.members.length);
      this.members.forEach((member, i) => {
        [member.clientPort, member.quorumPort, member.electionPort, member.securePort = 0] = ports.slice(
          perMember * i,
          perMember * i + perMember,
        ) as [number, number, number, number?];
      });
      // One failing member must not leave the others polling until their own timeouts.
      const abort = new AbortController();
      const onOuterAbort = (): void => abort.abort(this.options.signal?.reason);
      this.options.signal?.addEventListener('abort', onOuterAbort, { once: true });
      try {
        await Promise.all(
          this.members.map((member) =>
            this.launch(member, { timeoutMs: this.options.startTimeoutMs, signal: abort.signal }).catch((error: unknown) => {
              abort.abort(error);
              throw error;
            }),
          ),
        );
        return;
      } catch (error) {
        await Promise.all(this.members.map(async (member) => member.jvm?.kill()));
        if (this.options.signal?.aborted) throw this.options.signal.reason;
        // Someone took one of our ports between the probe and ZooKeeper's bind: pick new ones for all.
        if (!(error instanceof ZooKeeperStartError && error.bindFailure) || attempt >= PORT_ATTEMPTS) throw error;
      } finally {
        this.options.signal?.removeEventListener('abort', onOuterAbort);
      }
    }
  }

  private async launch(member: Member, wait: StartWait): Promise<void> {
    const configFile = path.join(member.directory, 'zoo.cfg');
    const ensemble = Object.fromEntries(
      this.members.map((peer) => [`server.${peer.id}`, `${LOOPBACK}:${peer.quorumPort}:${peer.electionPort}`]),
    );
    writeZooCfg(configFile, {
      ...commonZooCfg(this.options),
      dataDir: path.join(member.directory, 'data'),
      clientPort: member.clientPort,
      clientPortAddress: LOOPBACK,
      ...this.tlsConfig?.(member.securePort),
      ...ensemble,
      ...this.options.config,
    });
    // Every member's watchdog removes the whole cluster directory: the last one to finish leaves nothing.
    const spec = { configFile, logDir: member.directory, options: this.options, cleanupDir: this.directory };
    const securePort = this.tlsConfig ? member.securePort : undefined;
    await startServing(spec, member.clientPort, { ...wait, securePort, onLaunch: (jvm) => (member.jvm = jvm) });
  }
}
