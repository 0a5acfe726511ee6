/**
 * The packed package, as a consumer gets it: build, `npm pack`, unpack into a scratch project and load both
 * entry points with `require` and with `import`. Checks the `exports` map, the `files` list and that the
 * ESM and CJS copies agree on `instanceof ZkError`.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = join(__dirname, '..', '..');
let scratch: string;

beforeAll(() => {
  execFileSync('npm', ['run', '--silent', 'build'], { cwd: root, stdio: 'pipe' });
  scratch = mkdtempSync(join(tmpdir(), 'zk-recipes-pack-'));
  const packed = execFileSync('npm', ['pack', '--silent', '--pack-destination', scratch], { cwd: root, encoding: 'utf8' }).trim().split('\n').pop()!;
  const modules = join(scratch, 'node_modules');
  mkdirSync(join(modules, 'zk-recipes'), { recursive: true });
  execFileSync('tar', ['-xzf', join(scratch, packed), '-C', join(modules, 'zk-recipes'), '--strip-components=1']);
  // Its dependencies come from this checkout's node_modules, as npm would have installed them.
  for (const dep of readdirSync(join(root, 'node_modules'))) {
    if (dep !== 'zk-recipes' && !dep.startsWith('.')) symlinkSync(join(root, 'node_modules', dep), join(modules, dep));
  }
}, 120_000);

afterAll(() => {
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

function run(file: string, source: string): string {
  writeFileSync(join(scratch, file), source);
  return execFileSync(process.execPath, [join(scratch, file)], { cwd: scratch, encoding: 'utf8' }).trim();
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
  expect(files.some((f) => f.startsWith('./src/') || f.startsWith('./test/'))).toBe(false);
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
