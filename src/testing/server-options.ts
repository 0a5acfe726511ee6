/**
 * Options shared by {@link TestingServer} and {@link TestingCluster}, their defaults (one function), and the
 * zoo.cfg both write.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { resolveTlsOptions, type ResolvedTlsOptions, type TestingTlsOptions } from './server-tls';
import { findZooKeeper, type ZooKeeperInstallation } from './zookeeper-install';

/** Log levels of the server's log file. */
export type ZooKeeperLogLevel = 'error' | 'warn' | 'info' | 'debug';

/** A zoo.cfg value. */
export type ZooCfgValue = string | number | boolean;

/** Options of every test server JVM (a standalone {@link TestingServer} or a {@link TestingCluster} member). */
export interface ZooKeeperServerOptions {
  /**
   * ZooKeeper's tick in milliseconds. Small, so that short session timeouts are negotiable and an ensemble
   * elects quickly.
   * @default 200
   */
  tickTimeMs?: number;
  /** Smallest session timeout the server grants (`minSessionTimeout`). @default 1000 */
  minSessionTimeoutMs?: number;
  /** Largest session timeout the server grants (`maxSessionTimeout`). @default 60000 */
  maxSessionTimeoutMs?: number;
  /** Extra zoo.cfg entries; they override the harness's. @default {} */
  config?: Record<string, ZooCfgValue>;
  /** Extra JVM options, placed after the harness's (so they win). @default [] */
  jvmOptions?: string[];
  /**
   * Enables TTL nodes (`zookeeper.extendedTypesEnabled`): the `*-with-ttl` create modes. ZooKeeper's own
   * default is off, and a create with a TTL then fails with `UNIMPLEMENTED`.
   * @default false
   */
  extendedTypes?: boolean;
  /**
   * How often the server looks for empty containers and expired TTL nodes to delete
   * (`znode.container.checkIntervalMs`); small, so that tests see them go quickly.
   * @default ZooKeeper's own (60000)
   */
  containerCheckIntervalMs?: number;
  /** Maximum heap of each JVM (`-Xmx`). @default '256m' */
  heap?: string;
  /** Level of the server log (`zookeeper.log` in the data directory). @default 'warn' */
  logLevel?: ZooKeeperLogLevel;
  /** Directory in which the temporary data directory is made. @default '/dev/shm' when writable, else `os.tmpdir()` */
  baseDir?: string;
  /** The ZooKeeper jars and Java to run. @default findZooKeeper() */
  installation?: ZooKeeperInstallation;
  /** How long a start or restart waits for the server(s) to serve. @default 60000 */
  startTimeoutMs?: number;
  /** How long a graceful stop waits after SIGTERM before SIGKILL. @default 5000 */
  stopGraceMs?: number;
  /** Aborts a start (rejects with `signal.reason`; the JVMs started so far are stopped). */
  signal?: AbortSignal;
  /**
   * Serve TLS: `connectString` then names TLS ports (ZooKeeper's `secureClientPort`), with certificates of
   * a CA made at start (`tls.ca`, `tls.clientCert`, `tls.clientKey`). The plain port stays open beside it
   * (`plainConnectString`) for the kit's own four-letter words and session expiry. Needs `openssl`.
   * @default false
   */
  tls?: boolean | TestingTlsOptions;
}

/** {@link ZooKeeperServerOptions} with every default filled in. */
export interface ResolvedServerOptions {
  tickTimeMs: number;
  minSessionTimeoutMs: number;
  maxSessionTimeoutMs: number;
  config: Record<string, ZooCfgValue>;
  jvmOptions: string[];
  heap: string;
  logLevel: ZooKeeperLogLevel;
  baseDir: string;
  installation: ZooKeeperInstallation;
  startTimeoutMs: number;
  stopGraceMs: number;
  signal: AbortSignal | undefined;
  tls: ResolvedTlsOptions | undefined;
}

const LOG_LEVELS: readonly ZooKeeperLogLevel[] = ['error', 'warn', 'info', 'debug'];

/** Fills in the defaults and rejects out-of-range options, naming the option. */
export function resolveServerOptions(options: ZooKeeperServerOptions = {}): ResolvedServerOptions {
  const resolved: ResolvedServerOptions = {
    tickTimeMs: options.tickTimeMs ?? 200,
    minSessionTimeoutMs: options.minSessionTimeoutMs ?? 1000,
    maxSessionTimeoutMs: options.maxSessionTimeoutMs ?? 60_000,
    config: options.config ?? {},
    jvmOptions: [
      ...(options.extendedTypes === true ? ['-Dzookeeper.extendedTypesEnabled=true'] : []),
      ...(options.containerCheckIntervalMs === undefined ? [] : [`-Dznode.container.checkIntervalMs=${options.containerCheckIntervalMs}`]),
      ...(options.jvmOptions ?? []),
    ],
    heap: options.heap ?? '256m',
    logLevel: options.logLevel ?? 'warn',
    baseDir: options.baseDir ?? defaultBaseDir(),
    installation: options.installation ?? findZooKeeper(),
    startTimeoutMs: options.startTimeoutMs ?? 60_000,
    stopGraceMs: options.stopGraceMs ?? 5000,
    signal: options.signal,
    tls: resolveTlsOptions(options.tls),
  };
  positiveInteger('tickTimeMs', resolved.tickTimeMs);
  positiveInteger('minSessionTimeoutMs', resolved.minSessionTimeoutMs);
  positiveInteger('maxSessionTimeoutMs', resolved.maxSessionTimeoutMs);
  positiveInteger('startTimeoutMs', resolved.startTimeoutMs);
  positiveInteger('stopGraceMs', resolved.stopGraceMs);
  if (options.containerCheckIntervalMs !== undefined) positiveInteger('containerCheckIntervalMs', options.containerCheckIntervalMs);
  if (resolved.maxSessionTimeoutMs < resolved.minSessionTimeoutMs) {
    throw new RangeError(
      `maxSessionTimeoutMs (${resolved.maxSessionTimeoutMs}) must not be below minSessionTimeoutMs (${resolved.minSessionTimeoutMs})`,
    );
  }
  if (!LOG_LEVELS.includes(resolved.logLevel)) {
    throw new RangeError(`logLevel must be one of ${LOG_LEVELS.join(', ')}, got ${resolved.logLevel}`);
  }
  if (!/^\d+[kmgKMG]?$/.test(resolved.heap)) {
    throw new RangeError(`heap must look like -Xmx's argument (e.g. '256m'), got ${JSON.stringify(resolved.heap)}`);
  }
  return resolved;
}

function positiveInteger(name: string, value: number): void {
  if (!Number.isInteger(value) || value <= 0) {
    throw new RangeError(`${name} must be a positive integer, got ${String(value)}`);
  }
}

/** RAM-backed when possible: test servers write a transaction log on every change. */
function defaultBaseDir(): string {
  try {
    fs.accessSync('/dev/shm', fs.constants.W_OK);
    return '/dev/shm';
  } catch {
    return os.tmpdir();
  }
}

/** Makes a fresh, private temporary directory under the options' `baseDir`. */
export function makeTempDir(options: ResolvedServerOptions, prefix: string): string {
  return fs.mkdtempSync(path.join(options.baseDir, `zk-recipes-${prefix}-`));
}

/** The zoo.cfg entries every test server gets (before the per-server ones and the user's overrides). */
export function commonZooCfg(options: ResolvedServerOptions): Record<string, ZooCfgValue> {
  const ticks = (ms: number): number => Math.max(5, Math.ceil(ms / options.tickTimeMs));
  return {
    tickTime: options.tickTimeMs,
    // Ensemble timeouts are counted in ticks: give followers 10 s to sync and 4 s of silence.
    initLimit: ticks(10_000),
    syncLimit: ticks(4_000),
    minSessionTimeout: options.minSessionTimeoutMs,
    maxSessionTimeout: options.maxSessionTimeoutMs,
    'admin.enableServer': false,
    '4lw.commands.whitelist': '*',
    maxClientCnxns: 0,
  };
}

/** Writes a zoo.cfg. */
export function writeZooCfg(file: string, entries: Record<string, ZooCfgValue>): void {
  const lines = Object.entries(entries).map(([key, value]) => `${key}=${String(value)}`);
  fs.writeFileSync(file, `${lines.join('\n')}\n`);
}
