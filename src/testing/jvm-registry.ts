/**
 * Every ZooKeeper JVM the harness starts is tracked here by pid, so that nothing outlives the test run: on
 * the host process's `exit`, SIGINT and SIGTERM, and from jest's `globalTeardown`, all tracked JVMs
 * are killed synchronously with SIGKILL.
 *
 * The registry lives on the *host* process object, not in this module: jest gives every test file its own
 * module registry and its own copy of `process` (whose `on('exit')` never fires), so a plain module-level set
 * would be invisible to `globalTeardown` and its exit hook would be dead. `vm.runInThisContext('process')`
 * evaluates in Node's main context and returns the real process in and out of jest.
 */
import * as vm from 'node:vm';

interface HostRegistry {
  /** Pids of running JVMs. */
  readonly pids: Set<number>;
  /** Whether the exit and signal hooks are installed on the host process. */
  hooked: boolean;
}

const REGISTRY_KEY = Symbol.for('zk-recipes.testing.jvm-registry');
// Not SIGHUP: a listener would make a `nohup`ed process die of it. The watchdog covers hang-ups anyway.
const SIGNALS: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM'];

type HostProcess = NodeJS.Process & { [REGISTRY_KEY]?: HostRegistry };

function hostProcess(): HostProcess {
  return vm.runInThisContext('process') as HostProcess;
}

function registry(): HostRegistry {
  const host = hostProcess();
  let found = host[REGISTRY_KEY];
  if (!found) {
    found = { pids: new Set(), hooked: false };
    host[REGISTRY_KEY] = found;
  }
  return found;
}

/** Starts tracking a JVM; installs the exit and signal hooks on first use. */
export function trackJvm(pid: number): void {
  const found = registry();
  found.pids.add(pid);
  if (!found.hooked) {
    found.hooked = true;
    installHooks(hostProcess());
  }
}

/** Stops tracking a JVM (it has exited). */
export function untrackJvm(pid: number): void {
  registry().pids.delete(pid);
}

/** Pids of the JVMs started by this process that are still running. */
export function trackedJvms(): number[] {
  return [...registry().pids];
}

/**
 * Kills every tracked ZooKeeper JVM at once with SIGKILL, synchronously (safe in an `exit` hook). Data
 * directories are left behind; prefer `stop()` on each server. Usable as jest's `globalTeardown`.
 */
export function killAllZooKeepers(): void {
  const found = registry();
  for (const pid of found.pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Already gone (ESRCH): nothing to do.
    }
  }
  found.pids.clear();
}

function installHooks(host: NodeJS.Process): void {
  host.on('exit', killAllZooKeepers);
  for (const signal of SIGNALS) {
    const onSignal = (): void => {
      killAllZooKeepers();
      // A listener turns off Node's default "die on this signal". If ours is the only one, restore the
      // default and re-raise, so Ctrl-C still ends the process; otherwise the other listeners decide.
      if (host.listenerCount(signal) === 1) {
        host.removeListener(signal, onSignal);
        host.kill(host.pid, signal);
      }
    };
    host.on(signal, onSignal);
  }
}
