import { defineConfig } from 'tsup';

/** Two entry points (`zk-recipes`, `zk-recipes/testing`), ESM + CJS with `.d.ts` for both. */
export default defineConfig({
  entry: { index: 'src/index.ts', testing: 'src/testing/index.ts' },
  format: ['esm', 'cjs'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'node20',
  platform: 'node',
  splitting: false,
  treeshake: true,
});
