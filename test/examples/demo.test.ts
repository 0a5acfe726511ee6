/**
 * `npm run demo` is the first thing a newcomer runs: run the narrated demo as they would (a child process,
 * output piped) and check that it passes its own invariant checks, tells each act of the story, and writes
 * no colour codes into a pipe.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';

const ROOT = path.join(__dirname, '..', '..');
// The demo takes about a minute; JVMs and six Node processes start slowly on a busy machine.
const DEMO_TIMEOUT_MS = 240_000;

let child: ChildProcess | undefined;

afterAll(() => {
  if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGINT');
});

test(
  'npm run demo tells the whole story and passes its own checks',
  async () => {
    child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'examples', 'demo', 'index.ts')], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child!.on('exit', (exitCode) => resolve(exitCode)));

    expect({ code, output }).toMatchObject({ code: 0 });
    expect(output).not.toContain('\x1b[');
    for (const line of [
      /master-\d +is the leading master \(fencing token 0x[0-9a-f]+/,
      /worker-1 +joined the group \/workers/,
      /master-\d +sees 3 workers through service discovery: worker-/,
      /worker-1 +saw the config change live/,
      /worker-2 +saw the config change live/,
      /worker-3 +saw the config change live/,
      /ZooKeeper server \d \(port \d+\), the one master-\d is connected to, is killed/,
      /the leading master, master-\d \(pid \d+\), is killed/,
      /master-\d took over [\d.]+ s after master-\d died/,
      /checker +ok +never two masters at once/,
      /checker +ok +no task lost: 36 of 36 tasks put were done/,
      /all invariants hold/,
    ]) {
      expect(output).toMatch(line);
    }
  },
  DEMO_TIMEOUT_MS,
);
