/**
 * Launching, watching and ending one ZooKeeper JVM: the part {@link TestingServer} and {@link TestingCluster}
 * share.
 *
 * A JVM must never outlive the test run, even when Node dies abruptly (SIGKILL, crash, OOM): exit hooks do
 * not run then. So the JVM is started through a tiny `sh` wrapper that forks a watchdog and then `exec`s
 * the JVM (so the pid we hold is the JVM's). The watchdog blocks reading a pipe whose only writer is this
 * Node process. When the JVM exits normally, Node writes a line and the watchdog leaves quietly; when Node
 * dies, the kernel closes the pipe, the read hits end-of-file, and the watchdog SIGKILLs the JVM (after
 * checking, where /proc exists, that the pid still runs this server's config), waits for it to be gone and
 * removes the server's temporary directory, which nobody can use any more (it is RAM in /dev/shm).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { fourLetterWord, parseMode } from './four-letter-word';
import { trackJvm, untrackJvm } from './jvm-registry';
import { LOOPBACK } from './ports';
import type { ResolvedServerOptions } from './server-options';
import { pause } from './wait';

/**
 * `$1`: a marker in the JVM's command line (its config file); `$2`: the directory to remove once the JVM is
 * gone after Node died; the rest: the command. A dying JVM is a zombie until reaped (`Z` in /proc's stat).
 */
const WATCHDOG = `
marker=$1; cleanup=$2; shift 2
(
  if ! read -r _ <&3; then
    if [ ! -d /proc/self ] || grep -qF -e "$marker" "/proc/$$/cmdline"; then
      kill -9 $$
    fi
    while [ -r "/proc/$$/stat" ]; do
      case "$(cat "/proc/$$/stat")" in *") Z "*) break ;; esac
      sleep 0.05
    done
    rm -rf -- "$cleanup"
  fi
) </dev/null >/dev/null 2>&1 &
exec "$@" 3<&-
`;

/** What a taken port looks like in the server log. */
const BIND_FAILURE = /BindException|Address already in use/;

/** How a JVM ended. */
export interface ExitStatus {
  /** Exit code, when it exited by itself. */
  code: number | null;
  /** Signal that ended it, when one did. */
  signal: NodeJS.Signals | null;
}

/** What to run: a ZooKeeper server with this config, logging into `logDir`. */
export interface JvmSpec {
  /** Absolute path of the zoo.cfg (also the marker the watchdog checks). */
  configFile: string;
  /** Directory for `zookeeper.log` (the server log) and `jvm.out` (the JVM's stdout and stderr). */
  logDir: string;
  /** Harness options (installation, heap, log level, extra JVM options). */
  options: ResolvedServerOptions;
  /** The temporary directory the watchdog removes when Node dies while this JVM runs. */
  cleanupDir: string;
}

/** Thrown when a server does not come up; carries the tail of its logs. */
export class ZooKeeperStartError extends Error {
  override readonly name = 'ZooKeeperStartError';
  /** True when the server failed because a port was taken (the caller may retry on other ports). */
  readonly bindFailure: boolean;
  /** The last lines of the server's logs. */
  readonly logTail: string;

  constructor(message: string, logTail: string) {
    super(`${message}\n--- server log (tail) ---\n${logTail}`);
    this.logTail = logTail;
    this.bindFailure = BIND_FAILURE.test(logTail);
  }
}

/** One running (or ended) ZooKeeper JVM. Use {@link ZooKeeperProcess.launch}. */
export class ZooKeeperProcess {
  /** The JVM's pid. */
  readonly pid: number;
  /** Resolves when the JVM has exited. */
  readonly exited: Promise<ExitStatus>;
  private exitStatus: ExitStatus | undefined;

  private constructor(
    private readonly child: ChildProcess,
    /** The spec it was launched with. */
    readonly spec: JvmSpec,
  ) {
    if (child.pid === undefined) throw new Error('ZooKeeperProcess needs a spawned child');
    this.pid = child.pid;
    this.exited = new Promise<ExitStatus>((resolve) => {
      child.once('exit', (code, signal) => {
        this.exitStatus = { code, signal };
        untrackJvm(this.pid);
        // Tell the watchdog to leave without killing anything.
        watchdogPipe(child)?.end('exit\n');
        resolve(this.exitStatus);
      });
    });
  }

  /** Starts the JVM (does not wait for it to serve; see {@link waitUntilServing}). */
  static launch(spec: JvmSpec): ZooKeeperProcess {
    const { installation } = spec.options;
    const jvmOut = fs.openSync(path.join(spec.logDir, 'jvm.out'), 'w');
    let child: ChildProcess;
    try {
      child = spawn(
        '/bin/sh',
        ['-c', WATCHDOG, 'zk-watchdog', spec.configFile, spec.cleanupDir, installation.java, ...jvmArguments(spec)],
        // The watchdog's pipe is fd 3, not stdin: Node destroys a child's stdin as soon as it exits, before
        // we could tell the watchdog that the exit was expected.
        { stdio: ['ignore', jvmOut, jvmOut, 'pipe'] },
      );
    } finally {
      fs.closeSync(jvmOut);
    }
    // A failed spawn reports through 'error' (asynchronously) and leaves no pid; we throw on the pid below.
    child.on('error', () => undefined);
    if (child.pid === undefined) {
      throw new ZooKeeperStartError('could not spawn /bin/sh to launch the ZooKeeper JVM', '');
    }
    trackJvm(child.pid);
    watchdogPipe(child)?.on('error', () => {
      // EPIPE when the watchdog is already gone: nothing to tell it then.
    });
    // A leaked server must not keep Node alive: Node exits, the watchdog kills the JVM. Every wait on the
    // JVM below holds its own timer, so awaiting it never lets Node exit early.
    child.unref();
    watchdogPipe(child)?.unref();
    return new ZooKeeperProcess(child, spec);
  }

  /** True until the JVM has exited. */
  get running(): boolean {
    return this.exitStatus === undefined;
  }

  /** SIGKILLs the JVM and resolves once it has exited. */
  async kill(): Promise<ExitStatus> {
    if (this.exitStatus) return this.exitStatus;
    this.sendSignal('SIGKILL');
    return keepAlive(this.exited);
  }

  /**
   * Freezes the JVM (SIGSTOP): it keeps its sockets open but answers nothing, as a server stalled by a long
   * GC pause or a hung disk. {@link resume} (or any stop or kill) lets it go on.
   */
  pause(): void {
    if (this.exitStatus === undefined) this.sendSignal('SIGSTOP');
  }

  /** Lets a {@link pause}d JVM run again (SIGCONT); harmless on one that is not paused. */
  resume(): void {
    if (this.exitStatus === undefined) this.sendSignal('SIGCONT');
  }

  /** SIGTERMs the JVM, SIGKILLs it after `graceMs`, and resolves once it has exited. */
  async terminate(graceMs: number): Promise<ExitStatus> {
    if (this.exitStatus) return this.exitStatus;
    this.sendSignal('SIGTERM');
    this.sendSignal('SIGCONT'); // a paused JVM handles the SIGTERM only once it runs
    let timer: NodeJS.Timeout | undefined;
    const escalate = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, graceMs);
    });
    try {
      const first = await Promise.race([this.exited, escalate.then(() => undefined)]);
      if (first) return first;
      this.sendSignal('SIGKILL');
      return await keepAlive(this.exited);
    } finally {
      clearTimeout(timer);
    }
  }

  /** The last `lines` lines of the server log and of the JVM's own output. */
  logTail(lines = 40): string {
    return logTail(this.spec.logDir, lines);
  }

  private sendSignal(signal: NodeJS.Signals): void {
    try {
      process.kill(this.pid, signal);
    } catch {
      // ESRCH: it exited just now; `exited` resolves on its own.
    }
  }
}

/**
 * Polls `srvr` on `port` until the server reports a `Mode:` (it serves: standalone, or a leader/follower in
 * a quorum; `read-only`, a member without a quorum, does not count), and `securePort`, when given, accepts
 * connections: ZooKeeper binds its TLS port after the plain one. Fails fast when the JVM exits, and on
 * timeout, with the log tail in the error.
 */
export async function waitUntilServing(
  jvm: ZooKeeperProcess,
  port: number,
  options: { timeoutMs: number; signal?: AbortSignal | undefined; securePort?: number | undefined },
): Promise<string> {
  const { timeoutMs, signal, securePort } = options;
  const deadline = Date.now() + timeoutMs;
  for (let poll = 1; ; poll++) {
    if (signal?.aborted) throw signal.reason;
    // A taken quorum or election port does not end the JVM at once (it retries and keeps electing):
    // look for it in the log now and then, so the caller can pick other ports without waiting it out.
    if (poll % 10 === 0 && BIND_FAILURE.test(jvm.logTail(200))) {
      throw new ZooKeeperStartError(`ZooKeeper (pid ${jvm.pid}) could not bind a port`, jvm.logTail());
    }
    if (!jvm.running) {
      const status = await jvm.exited;
      throw new ZooKeeperStartError(
        `ZooKeeper on ${LOOPBACK}:${port} exited while starting (code ${String(status.code)}, signal ${String(status.signal)})`,
        jvm.logTail(),
      );
    }
    try {
      const answer = await fourLetterWord(LOOPBACK, port, 'srvr', {
        timeoutMs: Math.max(100, Math.min(2000, deadline - Date.now())),
        signal,
      });
      const mode = parseMode(answer);
      if (mode !== undefined && mode !== 'read-only' && (securePort === undefined || (await accepts(securePort)))) return answer;
    } catch {
      if (signal?.aborted) throw signal.reason;
      // Not listening yet (ECONNREFUSED) or not answering yet: poll again.
    }
    if (Date.now() >= deadline) {
      throw new ZooKeeperStartError(
        `ZooKeeper on ${LOOPBACK}:${port} (pid ${jvm.pid}) did not serve within ${timeoutMs} ms`,
        jvm.logTail(),
      );
    }
    await Promise.race([pause(50, signal), jvm.exited]);
  }
}

/** How long and how to wait in {@link startServing}. */
export interface StartWait {
  timeoutMs: number;
  signal?: AbortSignal | undefined;
  /** A TLS client port that must accept connections too before the server counts as serving. */
  securePort?: number | undefined;
  /** Called with every JVM launched, before waiting on it (so its owner can stop it meanwhile). */
  onLaunch?: (jvm: ZooKeeperProcess) => void;
  /**
   * Retry a bind failure on the same port until the deadline: for a restart, whose port is fixed and was
   * taken by someone while the server was down.
   */
  retryWhilePortTaken?: boolean;
}

/**
 * Launches a JVM and resolves with it once it serves on `clientPort`. On failure the JVM is killed and the
 * error (a {@link ZooKeeperStartError}, whose `bindFailure` says whether other ports may help) rethrown.
 */
export async function startServing(spec: JvmSpec, clientPort: number, wait: StartWait): Promise<ZooKeeperProcess> {
  const deadline = Date.now() + wait.timeoutMs;
  for (let attempt = 1; ; attempt++) {
    const jvm = ZooKeeperProcess.launch(spec);
    wait.onLaunch?.(jvm);
    try {
      await waitUntilServing(jvm, clientPort, {
        timeoutMs: Math.max(1, deadline - Date.now()),
        signal: wait.signal,
        securePort: wait.securePort,
      });
      return jvm;
    } catch (error) {
      await jvm.kill();
      const portTaken = error instanceof ZooKeeperStartError && error.bindFailure;
      if (!wait.retryWhilePortTaken || !portTaken || Date.now() >= deadline) throw error;
    }
    await pause(Math.min(100 * attempt, 1000), wait.signal);
  }
}

/** Resolves true when a TCP connection to loopback `port` is accepted (then closes it at once). */
function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: LOOPBACK, port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** The last lines of `zookeeper.log` and `jvm.out` in `logDir`. */
export function logTail(logDir: string, lines = 40): string {
  const parts: string[] = [];
  for (const name of ['zookeeper.log', 'jvm.out']) {
    let text: string;
    try {
      text = fs.readFileSync(path.join(logDir, name), 'utf8');
    } catch {
      continue;
    }
    const tail = text.trimEnd().split('\n').slice(-lines).join('\n');
    if (tail.length > 0) parts.push(`[${name}]\n${tail}`);
  }
  return parts.length > 0 ? parts.join('\n') : '(no log output)';
}

/** Node's end of the pipe the watchdog reads (the child's fd 3). */
function watchdogPipe(child: ChildProcess): net.Socket | undefined {
  return (child.stdio[3] as net.Socket | null | undefined) ?? undefined;
}

/** Holds a timer while `promise` is pending, so an awaited exit of an unref'd child keeps Node alive. */
async function keepAlive<T>(promise: Promise<T>): Promise<T> {
  const timer = setInterval(() => undefined, 60_000);
  try {
    return await promise;
  } finally {
    clearInterval(timer);
  }
}

function jvmArguments(spec: JvmSpec): string[] {
  const { options, logDir } = spec;
  const logFile = path.join(logDir, 'zookeeper.log');
  const classpath = options.installation.classpath;
  const logging = classpath.some((entry) => /logback-classic[^/]*\.jar$/.test(entry))
    ? [`-Dlogback.configurationFile=${writeLogbackConfig(logDir, logFile, options.logLevel)}`]
    : [
        `-Dorg.slf4j.simpleLogger.defaultLogLevel=${options.logLevel}`,
        `-Dorg.slf4j.simpleLogger.logFile=${logFile}`,
        '-Dorg.slf4j.simpleLogger.showDateTime=true',
        '-Dorg.slf4j.simpleLogger.dateTimeFormat=HH:mm:ss.SSS',
      ];
  return [
    `-Xmx${options.heap}`,
    // Start-up time matters more than throughput for a test server.
    '-XX:+UseSerialGC',
    '-XX:TieredStopAtLevel=1',
    '-XX:-UsePerfData',
    '-XX:+ExitOnOutOfMemoryError',
    '-Djava.net.preferIPv4Stack=true',
    '-Dzookeeper.admin.enableServer=false',
    '-Dzookeeper.jmx.log4j.disable=true',
    // Throwaway data: no fsync per write, and 1 MB instead of 64 MB preallocated per transaction log.
    '-Dzookeeper.forceSync=no',
    '-Dzookeeper.preAllocSize=1024',
    ...logging,
    ...options.jvmOptions,
    '-cp',
    classpath.join(path.delimiter),
    'org.apache.zookeeper.server.quorum.QuorumPeerMain',
    spec.configFile,
  ];
}

/** ZooKeeper 3.8 releases log through logback; point it at our file and level. */
function writeLogbackConfig(logDir: string, logFile: string, level: string): string {
  const xmlEscape = (text: string): string =>
    text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
  const file = path.join(logDir, 'logback.xml');
  fs.writeFileSync(
    file,
    `<configuration>
  <appender name="FILE" class="ch.qos.logback.core.FileAppender">
    <file>${xmlEscape(logFile)}</file>
    <encoder><pattern>%d{HH:mm:ss.SSS} [%thread] %-5level %logger - %msg%n</pattern></encoder>
  </appender>
  <root level="${level.toUpperCase()}"><appender-ref ref="FILE"/></root>
</configuration>
`,
  );
  return file;
}
