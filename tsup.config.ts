import { defineConfig } from 'tsup';

/**
 * Two entry points (`zk-recipes`, `zk-recipes/testing`), ESM + CJS with `.d.ts` for both; and the
 * `zk-recipes` command (`dist/cli.js`, package.json `bin`), which has no types.
 */
export default defineConfig({
  entry: { index: 'src/index.ts', testing: 'src/testing/index.ts', cli: 'src/cli/index.ts' },
  format: ['esm', 'cjs'],
  dts: { entry: { index: 'src/index.ts', testing: 'src/testing/index.ts' } },
  sourcemap: false, // maps would point at src/, which is not shipped; dist/ is unminified and readable
  clean: true,
  target: 'node20',
  platform: 'node',
  splitting: false,
  treeshake: true,
});
