/**
 * The `zk-recipes` command: looks at the recipes' nodes on a live ensemble (who holds a lock, who leads,
 * who is in a group) and at plain nodes (`tree`, `get`). Read-only; it changes nothing on the server.
 */
import { parseArgs } from 'node:util';
import { isZkError, validatePath, ZkClient } from '../index';
import { get } from './get';
import { inspectors } from './inspect';
import type { Output } from './output';
import { tree } from './tree';

/** Where the command connects unless told otherwise. */
export const DEFAULT_CONNECT = '127.0.0.1:2181';
/** How long it waits for the first connection, and for each read, unless told otherwise. */
export const DEFAULT_TIMEOUT_MS = 5000;

const USAGE = `Usage: zk-recipes [--connect host:port[,host:port...][/chroot]] [--timeout ms] [--json] <command>

Commands:
${Object.entries(inspectors)
  .map(([kind, inspector]) => `  inspect ${kind} <path>${inspector.optionalArg === undefined ? '' : ` [${inspector.optionalArg}]`}`.padEnd(36) + inspector.summary)
  .join('\n')}
  tree <path>                       the nodes under <path>, each with its stat
  get <path>                        a node's data (as UTF-8) and stat

Options:
  --connect, -c   ZooKeeper to connect to (default ${DEFAULT_CONNECT})
  --timeout, -t   milliseconds to wait for the connection and for each read (default ${DEFAULT_TIMEOUT_MS})
  --json          print JSON instead of text
  --help, -h      print this help

Exit status: 0 done, 1 the server could not be reached or the path does not exist, 2 bad usage.
`;

/** Streams the command writes to (the process's own, or a test's). */
export interface Io {
  /** Writes a result. */
  out(text: string): void;
  /** Writes an error or the usage. */
  err(text: string): void;
}

/** A failure with a message for the user and the exit status it ends with. */
class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: 1 | 2,
  ) {
    super(message);
  }
}

/** Runs the command line `argv` (without `node` and the script); resolves with the exit status. */
export async function run(argv: readonly string[], io: Io): Promise<number> {
  try {
    const { command, path, arg, connect, timeoutMs, json } = parseCommandLine(argv);
    if (command === undefined) {
      io.out(USAGE);
      return 0;
    }
    const output = await withClient(connect, timeoutMs, (client) => command(client, path, arg));
    io.out(`${json ? JSON.stringify(output.json, null, 2) : output.text}\n`);
    return 0;
  } catch (error) {
    if (error instanceof CliError) {
      io.err(`zk-recipes: ${error.message}\n${error.exitCode === 2 ? `\n${USAGE}` : ''}`);
      return error.exitCode;
    }
    io.err(`zk-recipes: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }
}

type Command = (client: ZkClient, path: string, arg: string | undefined) => Promise<Output>;

interface CommandLine {
  /** `undefined` for `--help`. */
  command: Command | undefined;
  path: string;
  /** The inspector's optional argument, when given. */
  arg: string | undefined;
  connect: string;
  timeoutMs: number;
  json: boolean;
}

function parseCommandLine(argv: readonly string[]): CommandLine {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      options: {
        connect: { type: 'string', short: 'c', default: DEFAULT_CONNECT },
        timeout: { type: 'string', short: 't', default: String(DEFAULT_TIMEOUT_MS) },
        json: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (error) {
    throw new CliError((error as Error).message, 2);
  }
  const { values, positionals } = parsed;
  const timeoutMs = Number(values.timeout);
  if (!Number.isInteger(timeoutMs) || timeoutMs <= 0) throw new CliError(`--timeout must be a positive number of milliseconds, got ${values.timeout}`, 2);
  const common = { connect: values.connect, timeoutMs, json: values.json };
  if (values.help || positionals.length === 0) return { command: undefined, path: '/', arg: undefined, ...common };

  const [name, ...rest] = positionals;
  let command: Command;
  let args: string[];
  let maxArgs = 1;
  if (name === 'inspect') {
    const [kind = '', ...more] = rest;
    const inspector = inspectors[kind];
    if (inspector === undefined) throw new CliError(`inspect what? One of: ${Object.keys(inspectors).join(', ')} (got "${kind}")`, 2);
    command = async (client, path, arg) => {
      await mustExist(client, path, inspector.whenMissing);
      return inspector.inspect(client, path, arg);
    };
    args = more;
    if (inspector.optionalArg !== undefined) maxArgs = 2;
  } else if (name === 'tree' || name === 'get') {
    command = name === 'tree' ? tree : get;
    args = rest;
  } else {
    throw new CliError(`unknown command "${name ?? ''}"`, 2);
  }
  const [path, arg] = args;
  if (args.length > maxArgs || path === undefined) throw new CliError(`expected one path${maxArgs > 1 ? ' (and an optional argument)' : ''}, got ${args.length === 0 ? 'none' : args.join(' ')}`, 2);
  try {
    validatePath(path);
  } catch (error) {
    throw new CliError((error as Error).message, 2);
  }
  return { command, path, arg, ...common };
}

/** Connects, runs `work`, closes; turns the failures a user meets into one clear line each. */
async function withClient(connect: string, timeoutMs: number, work: (client: ZkClient) => Promise<Output>): Promise<Output> {
  let client: ZkClient;
  try {
    client = new ZkClient({ connectString: connect, connectionTimeoutMs: timeoutMs, operationTimeoutMs: timeoutMs });
  } catch (error) {
    throw new CliError(`--connect: ${(error as Error).message}`, 2);
  }
  try {
    await client.start();
  } catch (error) {
    if (isZkError(error, 'CONNECT_TIMEOUT')) {
      throw new CliError(`cannot reach ZooKeeper at ${connect} within ${timeoutMs} ms (is it running? --connect host:port)`, 1);
    }
    throw error;
  }
  try {
    return await work(client);
  } catch (error) {
    if (isZkError(error, 'NO_NODE')) throw new CliError(`${error.path ?? 'the path'} does not exist`, 1);
    throw error;
  } finally {
    await client.close();
  }
}

async function mustExist(client: ZkClient, path: string, whenMissing: string | undefined): Promise<void> {
  if ((await client.exists(path)) === null) throw new CliError(`${path} does not exist${whenMissing === undefined ? '' : ` (${whenMissing})`}`, 1);
}
