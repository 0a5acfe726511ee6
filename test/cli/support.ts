/** Runs the `zk-recipes` command from source as a child process, as a user would run the built one. */
import { execFile } from 'node:child_process';
import { join } from 'node:path';

const root = join(__dirname, '..', '..');

/** What the command printed and its exit status. */
export interface CliResult {
  status: number;
  stdout: string;
  stderr: string;
}

/** Runs `zk-recipes ...args` (asynchronously: the test's own clients keep their sessions meanwhile). */
export function cli(...args: string[]): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, ['--import', 'tsx', join(root, 'src', 'cli', 'index.ts'), ...args], { cwd: root, timeout: 60_000 }, (error, stdout, stderr) => {
      // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- an ExecFileException is an Error (@types/node types it as an Omit<> of ErrnoException)
      if (error && typeof error.code !== 'number') reject(error);
      else resolve({ status: error ? Number(error.code) : 0, stdout, stderr });
    });
  });
}

/** Runs the command with `--json` against `connectString` and parses what it printed. */
export async function cliJson<T>(connectString: string, ...args: string[]): Promise<T> {
  const result = await cli('--connect', connectString, '--json', ...args);
  if (result.status !== 0) throw new Error(`zk-recipes ${args.join(' ')} exited with ${result.status}: ${result.stderr}`);
  return JSON.parse(result.stdout) as T;
}
