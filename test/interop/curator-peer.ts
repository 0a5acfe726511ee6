/**
 * Driver for test/interop/CuratorPeer.java: a real Apache Curator 5.x client in a child JVM, steered
 * line by line, so jest tests can check that zk-recipes and Curator agree on node layouts.
 *
 *   const peer = await CuratorPeer.start(server.connectString);
 *   expect(await peer.send('mutex-acquire /locks/a')).toMatch(/^ACQUIRED /);
 *   await peer.waitForEvent('isLeader a');
 *   await peer.close();
 *
 * The Java file is compiled once per content (cache under os.tmpdir()), shared by jest workers.
 * A JVM never outlives the test run: close() kills it after a grace period, an 'exit' hook on the
 * host process SIGKILLs any peer still alive, and the peer itself quits when its stdin reaches end of
 * file, which also covers the test process dying from a signal or SIGKILL.
 */
import { spawn, execFile, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as readline from 'node:readline';
import * as vm from 'node:vm';

/** Where Debian (and scripts/ensure-zookeeper.sh) put the jars; CURATOR_JAR_DIR overrides. */
const DEFAULT_JAR_DIR = '/usr/share/java';
const REQUIRED_JARS = [
  'curator-client.jar',
  'curator-framework.jar',
  'curator-recipes.jar',
  'curator-x-discovery.jar',
  'jackson-annotations.jar',
  'jackson-core.jar',
  'jackson-databind.jar',
  'guava.jar',
  'zookeeper.jar',
  'zookeeper-jute.jar',
  'slf4j-api.jar',
  'slf4j-simple.jar',
];
const SOURCE = path.join(__dirname, 'CuratorPeer.java');
/** JVM flags that favour start-up time over peak speed; the peer does little work. */
const JVM_FLAGS = ['-XX:TieredStopAtLevel=1', '-XX:+UseSerialGC', '-XX:-UsePerfData', '-Xshare:auto'];
const STDERR_TAIL_CHARS = 4000;

export interface CuratorPeerOptions {
  /** ZooKeeper session timeout of the Curator client; the peer's default is 5000 ms. */
  sessionTimeoutMs?: number;
  /** How long to wait for compile + JVM start + connect, i.e. for READY. Default 60 s. */
  readyTimeoutMs?: number;
  /** Default time limit of send(). Default 30 s. */
  replyTimeoutMs?: number;
}

export interface CompileResult {
  classesDir: string;
  /** Wall time of javac in this process; 0 when the class came from the cache. */
  compileMs: number;
  cached: boolean;
}

export interface CuratorPeerTimings {
  compileMs: number;
  compileCached: boolean;
  /** From spawning the JVM to READY: JVM start, class loading and the ZooKeeper connect. */
  jvmStartMs: number;
}

interface Waiter {
  command: string;
  settled: boolean;
  resolve(line: string): void;
  reject(error: Error): void;
  timer: NodeJS.Timeout;
}

function javaTool(name: 'java' | 'javac'): string {
  const home = process.env['JAVA_HOME'];
  return home ? path.join(home, 'bin', name) : name;
}

/** The Curator/ZooKeeper classpath; throws, pointing at the install script, when jars are missing. */
export function curatorClasspath(): string {
  const dir = process.env['CURATOR_JAR_DIR'] || DEFAULT_JAR_DIR;
  const jars = REQUIRED_JARS.map((jar) => path.join(dir, jar));
  const missing = jars.filter((jar) => !fs.existsSync(jar));
  if (missing.length > 0) {
    throw new Error(
      `Apache Curator/ZooKeeper jars are missing (${missing.join(', ')}). ` +
        'Run scripts/ensure-zookeeper.sh to install them (or set CURATOR_JAR_DIR).',
    );
  }
  return jars.join(path.delimiter);
}

let compiled: Promise<CompileResult> | undefined;

/** Compiles CuratorPeer.java once per source content; concurrent workers race safely via rename. */
function compilePeer(): Promise<CompileResult> {
  compiled ??= (async () => {
    const classpath = curatorClasspath();
    const source = fs.readFileSync(SOURCE);
    const key = createHash('sha256').update(source).update('\0').update(classpath).digest('hex').slice(0, 16);
    const classesDir = path.join(os.tmpdir(), 'zk-recipes-curator-peer', key);
    if (fs.existsSync(path.join(classesDir, 'CuratorPeer.class'))) {
      return { classesDir, compileMs: 0, cached: true };
    }
    const staging = `${classesDir}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
    fs.mkdirSync(staging, { recursive: true });
    const started = performance.now();
    try {
      await new Promise<void>((resolve, reject) => {
        execFile(javaTool('javac'), ['-d', staging, '-cp', classpath, SOURCE], (error, _stdout, stderr) => {
          if (error) {
            reject(new Error(`javac failed for ${SOURCE}: ${error.message}\n${stderr}`));
          } else {
            resolve();
          }
        });
      });
      const compileMs = Math.round(performance.now() - started);
      try {
        fs.renameSync(staging, classesDir);
      } catch (error) {
        fs.rmSync(staging, { recursive: true, force: true });
        // Fine if another worker published the same classes first; theirs are identical.
        if (!fs.existsSync(path.join(classesDir, 'CuratorPeer.class'))) throw error;
      }
      return { classesDir, compileMs, cached: false };
    } catch (error) {
      fs.rmSync(staging, { recursive: true, force: true });
      throw error;
    }
  })();
  // A failed compile (e.g. jars installed afterwards) may be retried.
  compiled.catch(() => {
    compiled = undefined;
  });
  return compiled;
}

/**
 * Pids of peers still running, SIGKILLed synchronously when the process exits. Kept on the *host*
 * process: jest gives each test file its own module registry and a sandboxed `process` whose 'exit'
 * never fires, while `vm.runInThisContext('process')` is Node's real one, shared by all test files.
 */
const REGISTRY_KEY = Symbol.for('zk-recipes.test.curator-peer-pids');
type HostProcess = NodeJS.Process & { [REGISTRY_KEY]?: Set<number> };

function livePids(): Set<number> {
  const host = vm.runInThisContext('process') as HostProcess;
  let pids = host[REGISTRY_KEY];
  if (!pids) {
    const created = new Set<number>();
    pids = created;
    host[REGISTRY_KEY] = created;
    host.on('exit', () => {
      for (const pid of created) {
        try {
          host.kill(pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
    });
  }
  return pids;
}

export class CuratorPeer {
  /** EVENT lines without the prefix, e.g. 'isLeader a', emitted as 'event'; 'exit' when the JVM ends. */
  readonly events = new EventEmitter();
  /** Every EVENT payload received so far, in order. */
  readonly eventLog: string[] = [];
  readonly timings: CuratorPeerTimings;

  private readonly waiters: Waiter[] = [];
  private stderr = '';
  private exited = false;
  private closing: Promise<void> | undefined;
  private readonly exitedPromise: Promise<void>;

  private constructor(
    private readonly child: ChildProcessWithoutNullStreams,
    private readonly replyTimeoutMs: number,
    timings: CuratorPeerTimings,
  ) {
    this.timings = timings;
    this.exitedPromise = new Promise((resolve) => child.once('close', () => resolve()));
    child.once('close', () => this.onClose());
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => {
      this.appendStderr(chunk);
      if (process.env['CURATOR_PEER_DEBUG']) process.stderr.write(chunk);
    });
    // Writing to a JVM that just died raises EPIPE here; the 'close' handling reports it instead.
    child.stdin.on('error', () => undefined);
  }

  /** Compiles the peer if needed (no ZooKeeper needed); exposed for warm-up and timing. */
  static compile(): Promise<CompileResult> {
    return compilePeer();
  }

  /** Starts a Curator peer connected to connectString and resolves once it printed READY. */
  static async start(connectString: string, options: CuratorPeerOptions = {}): Promise<CuratorPeer> {
    const readyTimeoutMs = options.readyTimeoutMs ?? 60_000;
    const { classesDir, compileMs, cached } = await compilePeer();
    const args = [...JVM_FLAGS, '-cp', curatorClasspath() + path.delimiter + classesDir, 'CuratorPeer', connectString];
    if (options.sessionTimeoutMs !== undefined) args.push(String(options.sessionTimeoutMs));

    const spawnedAt = performance.now();
    const child = spawn(javaTool('java'), args, { stdio: ['pipe', 'pipe', 'pipe'] });
    const timings: CuratorPeerTimings = { compileMs, compileCached: cached, jvmStartMs: 0 };
    const peer = new CuratorPeer(child, options.replyTimeoutMs ?? 30_000, timings);
    if (child.pid !== undefined) livePids().add(child.pid);

    await new Promise<void>((resolve, reject) => {
      let ready = false;
      const fail = (why: string): void => {
        if (ready) return;
        ready = true;
        clearTimeout(timer);
        peer.kill();
        reject(new Error(`Curator peer for ${connectString} did not become READY: ${why}${peer.describeStderr()}`));
      };
      const timer = setTimeout(() => fail(`no READY within ${readyTimeoutMs} ms`), readyTimeoutMs);
      child.once('error', (error) => fail(`could not run ${javaTool('java')}: ${error.message}`));
      child.once('close', (code, signal) => fail(`JVM exited (code ${code}, signal ${signal})`));
      readline.createInterface({ input: child.stdout, crlfDelay: Infinity }).on('line', (line) => {
        if (!ready) {
          if (line === 'READY') {
            ready = true;
            clearTimeout(timer);
            timings.jvmStartMs = Math.round(performance.now() - spawnedAt);
            resolve();
          } else {
            peer.appendStderr(`[stdout] ${line}\n`); // e.g. "ERROR could not connect ..."
          }
          return;
        }
        peer.onLine(line);
      });
    });
    return peer;
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  /** The last few KB of the JVM's stderr (Curator/ZooKeeper warnings, stack traces). */
  stderrTail(): string {
    return this.stderr;
  }

  /**
   * Sends one command and resolves with its reply line (EVENT lines are routed to `events`).
   * ERROR replies resolve too, so tests can assert on them. Commands may be pipelined: replies come
   * back in order. On timeout the promise rejects and the late reply, if any, is discarded.
   */
  send(command: string, timeoutMs: number = this.replyTimeoutMs): Promise<string> {
    if (command.includes('\n')) {
      return Promise.reject(new Error('a command must be a single line'));
    }
    if (this.exited || this.closing) {
      return Promise.reject(new Error(`Curator peer is closed; cannot send "${command}"`));
    }
    return new Promise<string>((resolve, reject) => {
      const waiter: Waiter = {
        command,
        settled: false,
        resolve,
        reject,
        timer: setTimeout(() => {
          waiter.settled = true; // stays queued so its late reply is consumed and dropped
          reject(new Error(`no reply to "${command}" within ${timeoutMs} ms${this.describeStderr()}`));
        }, timeoutMs),
      };
      this.waiters.push(waiter);
      this.child.stdin.write(`${command}\n`);
    });
  }

  /**
   * Resolves with the first event (payload such as 'isLeader a') at index >= `since` in eventLog
   * that matches, waiting for it if it has not arrived yet.
   */
  waitForEvent(
    match: string | RegExp | ((event: string) => boolean),
    options: { timeoutMs?: number; since?: number } = {},
  ): Promise<string> {
    const test =
      typeof match === 'string' ? (e: string) => e === match : match instanceof RegExp ? (e: string) => match.test(e) : match;
    const past = this.eventLog.slice(options.since ?? 0).find(test);
    if (past !== undefined) return Promise.resolve(past);
    const timeoutMs = options.timeoutMs ?? this.replyTimeoutMs;
    return new Promise<string>((resolve, reject) => {
      const cleanup = (): void => {
        clearTimeout(timer);
        this.events.off('event', onEvent);
        this.events.off('exit', onExit);
      };
      const onEvent = (event: string): void => {
        if (test(event)) {
          cleanup();
          resolve(event);
        }
      };
      const onExit = (): void => {
        cleanup();
        reject(new Error(`Curator peer exited while waiting for event ${String(match)}${this.describeStderr()}`));
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`no event ${String(match)} within ${timeoutMs} ms; got [${this.eventLog.join('; ')}]`));
      }, timeoutMs);
      this.events.on('event', onEvent);
      this.events.on('exit', onExit);
    });
  }

  /** Asks the peer to quit, SIGKILLs it after graceMs; safe to call more than once. */
  close(graceMs = 5000): Promise<void> {
    this.closing ??= (async () => {
      if (this.exited) return;
      try {
        this.child.stdin.end('quit\n');
      } catch {
        // stdin already gone; the kill below still applies
      }
      let timer: NodeJS.Timeout | undefined;
      const graceOver = new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(false), graceMs);
      });
      const exitedInTime = await Promise.race([this.exitedPromise.then(() => true), graceOver]);
      clearTimeout(timer);
      if (!exitedInTime) {
        this.kill();
        await this.exitedPromise;
      }
    })();
    return this.closing;
  }

  private onLine(line: string): void {
    if (line.startsWith('EVENT ')) {
      const event = line.slice('EVENT '.length);
      this.eventLog.push(event);
      this.events.emit('event', event);
      return;
    }
    const waiter = this.waiters.shift();
    if (waiter === undefined) {
      return; // e.g. BYE after quit
    }
    clearTimeout(waiter.timer);
    if (!waiter.settled) {
      waiter.settled = true;
      waiter.resolve(line);
    }
  }

  private onClose(): void {
    this.exited = true;
    if (this.child.pid !== undefined) livePids().delete(this.child.pid);
    for (const waiter of this.waiters.splice(0)) {
      clearTimeout(waiter.timer);
      if (!waiter.settled) {
        waiter.settled = true;
        waiter.reject(new Error(`Curator peer exited before replying to "${waiter.command}"${this.describeStderr()}`));
      }
    }
    this.events.emit('exit');
  }

  private appendStderr(text: string): void {
    this.stderr = (this.stderr + text).slice(-STDERR_TAIL_CHARS);
  }

  private describeStderr(): string {
    const tail = this.stderr.trim();
    return tail ? `\n--- peer stderr (tail) ---\n${tail}` : '';
  }

  /** Synchronous SIGKILL by pid. */
  private kill(): void {
    if (this.exited || this.child.pid === undefined) return;
    try {
      process.kill(this.child.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}
