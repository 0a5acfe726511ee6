/**
 * A ZooKeeper JVM must never outlive the Node process that started it, however that process ends: killed
 * outright (the watchdog), exiting (the exit hook), signalled (the signal hooks), or crashing.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { eventually, scaled } from '../helpers';
import { isAlive, processesMentioning } from './support';

const FIXTURE = path.join(__dirname, 'fixtures', 'leaky-server.ts');

interface Started {
  child: ChildProcess;
  jvms: number[];
  directory: string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Runs the fixture in a fresh Node and resolves once its server serves. */
function startLeakyServer(mode: 'hang' | 'exit' | 'crash' | 'return', kind: 'server' | 'cluster' = 'server'): Promise<Started> {
  const child = spawn(process.execPath, ['--import', 'tsx', FIXTURE, mode, kind], {
    cwd: path.join(__dirname, '..', '..'),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve, reject) => {
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const line = stdout.split('\n')[0];
      if (stdout.includes('\n') && line) {
        const { pids, directory } = JSON.parse(line) as { pids: number[]; directory: string };
        resolve({ child, jvms: pids, directory, exited });
      }
    });
    void exited.then(({ code, signal }) => reject(new Error(`fixture ended early (${code ?? signal}): ${stderr}`)));
  });
}

/**
 * The JVM dies, and so does its watchdog shell: nothing mentioning the server's directory is left, and the
 * directory itself is removed.
 */
async function expectJvmGone(started: Started): Promise<void> {
  await eventually(() => started.jvms.every((pid) => !isAlive(pid)), scaled(30_000));
  await eventually(() => processesMentioning(started.directory).length === 0, scaled(30_000));
  await eventually(() => !fs.existsSync(started.directory), scaled(30_000));
}

test('SIGKILL of Node: the watchdog kills the JVM', async () => {
  const started = await startLeakyServer('hang');
  expect(started.jvms.every(isAlive)).toBe(true);
  started.child.kill('SIGKILL');
  expect(await started.exited).toMatchObject({ signal: 'SIGKILL' });
  await expectJvmGone(started);
});

test('process.exit(): the exit hook kills the JVM', async () => {
  const started = await startLeakyServer('exit');
  expect(await started.exited).toMatchObject({ code: 0 });
  await expectJvmGone(started);
});

test('SIGTERM: the JVM is killed and Node still dies of the signal', async () => {
  const started = await startLeakyServer('hang');
  started.child.kill('SIGTERM');
  expect(await started.exited).toMatchObject({ signal: 'SIGTERM' });
  await expectJvmGone(started);
});

test('SIGINT: the JVM is killed and Node still dies of the signal', async () => {
  const started = await startLeakyServer('hang');
  started.child.kill('SIGINT');
  expect(await started.exited).toMatchObject({ signal: 'SIGINT' });
  await expectJvmGone(started);
});

test('an uncaught exception: Node crashes, the JVM goes with it', async () => {
  const started = await startLeakyServer('crash');
  expect(await started.exited).toMatchObject({ code: 1 });
  await expectJvmGone(started);
});

test('a forgotten server does not keep Node alive; Node exits and the JVM goes with it', async () => {
  const started = await startLeakyServer('return');
  expect(await started.exited).toMatchObject({ code: 0 });
  await expectJvmGone(started);
});

test('SIGKILL of Node with a whole cluster: every member dies and the cluster directory goes', async () => {
  const started = await startLeakyServer('hang', 'cluster');
  expect(started.jvms).toHaveLength(3);
  expect(started.jvms.every(isAlive)).toBe(true);
  started.child.kill('SIGKILL');
  await started.exited;
  await expectJvmGone(started);
});
