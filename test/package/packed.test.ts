/**
 * The packed package, as a consumer gets it: build, `npm pack`, unpack into a scratch project and load both
 * entry points with `require` and with `import`. Checks the `exports` map, the `files` list, that the
 * ESM and CJS copies agree on `instanceof ZkError`, and that a consumer's strict type-check of both entry
 * points passes in every common module setup (with `@types/node`, which the README asks for).
 * No network: the tarball is unpacked, not installed, and its dependencies (and TypeScript) are this checkout's.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import ts from 'typescript';

const root = join(__dirname, '..', '..');
let scratch: string;

beforeAll(() => {
  execFileSync('npm', ['run', '--silent', 'build'], { cwd: root, stdio: 'pipe' });
  scratch = mkdtempSync(join(tmpdir(), 'zk-recipes-pack-'));
  const packed = execFileSync('npm', ['pack', '--silent', '--pack-destination', scratch], { cwd: root, encoding: 'utf8' }).trim().split('\n').pop()!;
  const modules = join(scratch, 'node_modules');
  mkdirSync(join(modules, 'zk-recipes'), { recursive: true });
  execFileSync('tar', ['-xzf', join(scratch, packed), '-C', join(modules, 'zk-recipes'), '--strip-components=1']);
  // Its dependencies (and typescript) come from this checkout's node_modules, as npm would have installed
  // them; of the type packages only @types/node, as in an app that has not set up jest.
  for (const dep of readdirSync(join(root, 'node_modules'))) {
    if (dep !== 'zk-recipes' && dep !== '@types' && !dep.startsWith('.')) symlinkSync(join(root, 'node_modules', dep), join(modules, dep));
  }
  mkdirSync(join(modules, '@types'));
  symlinkSync(join(root, 'node_modules', '@types', 'node'), join(modules, '@types', 'node'));
}, 120_000);

afterAll(() => {
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

function run(file: string, source: string, env: NodeJS.ProcessEnv = process.env): string {
  writeFileSync(join(scratch, file), source);
  return execFileSync(process.execPath, [join(scratch, file)], { cwd: scratch, encoding: 'utf8', env }).trim();
}

test('the tarball holds the build, the ZooKeeper script and the docs, and no sources or tests', () => {
  const files = execFileSync('find', ['.', '-type', 'f'], { cwd: join(scratch, 'node_modules', 'zk-recipes'), encoding: 'utf8' })
    .split('\n')
    .filter(Boolean)
    .sort();
  expect(files).toContain('./dist/index.js');
  expect(files).toContain('./dist/index.mjs');
  expect(files).toContain('./dist/index.d.ts');
  expect(files).toContain('./dist/testing.mjs');
  expect(files).toContain('./scripts/ensure-zookeeper.sh');
  expect(files).toContain('./LICENSE');
  expect(files).toContain('./dist/cli.js'); // the bin; its ESM twin is not shipped
  expect(files).not.toContain('./dist/cli.mjs');
  expect(files.some((f) => f.startsWith('./src/') || f.startsWith('./test/'))).toBe(false);
  // Source maps would point at src/, which is not shipped.
  expect(files.filter((f) => f.endsWith('.map'))).toEqual([]);
});

test('the shipped docs cite no file the package lacks (those link to the repository)', () => {
  const pkg = join(scratch, 'node_modules', 'zk-recipes');
  const pages = ['README.md', ...readdirSync(join(pkg, 'docs')).map((page) => join('docs', page))];
  const problems: string[] = [];
  for (const page of pages) {
    const text = readFileSync(join(pkg, page), 'utf8');
    // Repository files are cited as links to the repository; anything else must be in the package.
    const withoutRepoLinks = text
      .replaceAll(/\[[^\]]*\]\(https:\/\/github\.com\/zk-recipes\/zk-recipes\/[^)]*\)/g, '')
      .replaceAll(/https:\/\/github\.com\/zk-recipes\/zk-recipes\/\S*/g, '');
    for (const match of withoutRepoLinks.matchAll(/(?<![\w./-])(?:src|test|bench|examples)\/[\w./-]*/g)) problems.push(`${page}: ${match[0]}`);
    for (const match of text.matchAll(/\]\((?!https?:|#)([^)#]+)/g)) {
      if (!existsSync(join(pkg, dirname(page), match[1]!))) problems.push(`${page}: link to ${match[1]}`);
    }
  }
  expect(problems).toEqual([]);
});

test('the "ZooKeeper not found" message names the install script inside node_modules', () => {
  const out = run(
    'not-found.cjs',
    `const { findZooKeeper } = require('zk-recipes/testing');
     try { findZooKeeper({ PATH: process.env.PATH, ZK_HOME: process.cwd() }); } catch (error) { console.log(error.message); }`,
  );
  expect(out).toContain('bash node_modules/zk-recipes/scripts/ensure-zookeeper.sh');
});

test('the zk-recipes command runs from the package (its bin)', () => {
  const bin = (JSON.parse(readFileSync(join(scratch, 'node_modules', 'zk-recipes', 'package.json'), 'utf8')) as { bin: Record<string, string> }).bin;
  const help = execFileSync(process.execPath, [join(scratch, 'node_modules', 'zk-recipes', bin['zk-recipes']!), '--help'], { encoding: 'utf8' });
  expect(help).toContain('inspect lock <path>');
});

test('require() loads both entry points', () => {
  const out = run(
    'cjs.cjs',
    `const main = require('zk-recipes'); const testing = require('zk-recipes/testing');
     console.log(JSON.stringify({ client: typeof main.ZkClient, error: typeof main.ZkError, server: typeof testing.TestingServer }));`,
  );
  expect(JSON.parse(out)).toEqual({ client: 'function', error: 'function', server: 'function' });
});

test('import loads both entry points, and ZkError instanceof works across the ESM and CJS copies', () => {
  const out = run(
    'esm.mjs',
    `import { ZkClient, ZkError } from 'zk-recipes';
     import { TestingServer } from 'zk-recipes/testing';
     import { createRequire } from 'node:module';
     const cjs = createRequire(import.meta.url)('zk-recipes');
     const fromCjs = cjs.ZkError.of('NO_NODE', 'getData', '/x');
     const fromEsm = ZkError.of('NO_NODE', 'getData', '/x');
     console.log(JSON.stringify({ client: typeof ZkClient, server: typeof TestingServer, same: cjs.ZkError === ZkError,
       cross: fromCjs instanceof ZkError && fromEsm instanceof cjs.ZkError, plain: new Error('x') instanceof ZkError }));`,
  );
  expect(JSON.parse(out)).toEqual({ client: 'function', server: 'function', same: false, cross: true, plain: false });
});

/** A consumer of both entry points, using the types a user touches first. */
const CONSUMER = `import { LeaderLatch, Mutex, ZkClient, isZkError, type LockHandle, type ZkClientOptions } from 'zk-recipes';
import { TestingServer } from 'zk-recipes/testing';

export async function main(): Promise<bigint> {
  const server = await TestingServer.start();
  const options: ZkClientOptions = { connectString: server.connectString, sessionTimeoutMs: 10_000 };
  const client = await ZkClient.connect(options);
  const lock: LockHandle = await new Mutex(client, '/locks/a').acquire({ timeoutMs: 1000 });
  await lock[Symbol.asyncDispose]();
  const latch = new LeaderLatch(client, '/election', { id: 'a' });
  latch.on('isLeader', (leadership) => void leadership.signal.aborted);
  await latch.start();
  const data: Buffer | undefined = (await client.exists('/x')) ? (await client.getData('/x')).data : undefined;
  if (data === undefined && isZkError(new Error('x'), 'NO_NODE')) throw new Error('unreachable');
  await latch.close();
  await client.close();
  await server.stop();
  return lock.fencingToken;
}
`;

/** moduleResolution, module, and the consumer package's `type`: ESM and CJS under every common resolution. */
const SETUPS = [
  ['nodenext', 'nodenext', 'module'],
  ['nodenext', 'nodenext', 'commonjs'],
  ['node16', 'node16', 'module'],
  ['node16', 'node16', 'commonjs'],
  ['bundler', 'esnext', 'module'],
  ['node10', 'commonjs', 'commonjs'],
] as const;

/**
 * Parsed declaration files shared by the setups: parsing TypeScript's libs and @types/node once instead of
 * six times. A parse depends only on the file and the options TypeScript passes for it (language version,
 * module format), which are part of the key; the DocumentRegistry of TypeScript's language service shares
 * source files across programs the same way.
 */
const parsed = new Map<string, ts.SourceFile>();

/** Type-checks the consumer in one setup, as `tsc --strict --noEmit` would; returns the errors, formatted. */
function typeCheck(resolution: string, module: string, type: string): string {
  const dir = join(scratch, `types-${resolution}-${type}`);
  mkdirSync(dir);
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type }));
  writeFileSync(join(dir, 'index.ts'), CONSUMER);
  // Each setup in its own directory (and package.json) so that TypeScript reads the consumer's `type` as
  // node16/nodenext do. No skipLibCheck: zk-recipes' own .d.ts files are checked too.
  const { options, errors } = ts.convertCompilerOptionsFromJson({ strict: true, noEmit: true, skipLibCheck: false, target: 'es2022', module, moduleResolution: resolution }, dir);
  expect(errors).toEqual([]);
  const host = ts.createCompilerHost(options);
  host.getCurrentDirectory = () => dir; // as tsc run in the consumer's directory: @types found from there up
  const read = host.getSourceFile.bind(host);
  host.getSourceFile = (fileName, languageVersion, onError, shouldCreate) => {
    if (!fileName.endsWith('.d.ts')) return read(fileName, languageVersion, onError, shouldCreate);
    const key = `${fileName} ${JSON.stringify(languageVersion)}`;
    let file = parsed.get(key);
    if (file === undefined) parsed.set(key, (file = read(fileName, languageVersion, onError, shouldCreate)!));
    return file;
  };
  const program = ts.createProgram([join(dir, 'index.ts')], options, host);
  // Every file but TypeScript's own libs and @types/node (whose checks are theirs, and the slow part): the
  // consumer, zk-recipes' declarations and those of its dependencies.
  const ours = program.getSourceFiles().filter((file) => !program.isSourceFileDefaultLibrary(file) && !file.fileName.includes('/node_modules/@types/'));
  const diagnostics = [
    ...program.getOptionsDiagnostics(),
    ...program.getGlobalDiagnostics(),
    ...ours.flatMap((file) => [...program.getSyntacticDiagnostics(file), ...program.getSemanticDiagnostics(file)]),
  ];
  return ts.formatDiagnostics(diagnostics, { getCanonicalFileName: (f) => f, getCurrentDirectory: () => dir, getNewLine: () => '\n' });
}

test.each(SETUPS)("a consumer's strict type-check passes: moduleResolution %s, module %s, type %s", (resolution, module, type) => {
  expect({ setup: `${resolution}/${module}/${type}`, errors: typeCheck(resolution, module, type) }).toEqual({ setup: `${resolution}/${module}/${type}`, errors: '' });
}, 120_000);
