import { defineConfig } from 'tsup';

/** Two entry points (`zk-recipes`, `zk-recipes/testing`), ESM + CJS with `.d.ts` for both. */
export default defineConfig({
  entry: { index: 'src/index.ts', testing: 'src/testing/index.ts' },
  format: ['esm', 'cjs'],
  dts: true,
  sourcemap: false, // maps would point at src/, which is not shipped; dist/ is unminified and readable
  clean: true,
  target: 'node20',
  platform: 'node',
  splitting: false,
  shims: true, // __dirname in the ESM build (the testing kit finds its install script with it)
  treeshake: true,
});
