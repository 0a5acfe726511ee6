/**
 * The library under test, as users get it: the built package (`dist/`, what `npm install zk-recipes`
 * installs), loaded at run time — not the TypeScript sources through the bench's loader, which adds cost of
 * its own (about 8 % on a lock cycle). Types come from the sources (the same API). `npm run bench` and
 * `npm run bench:peers` build first.
 */
function loadBuilt(): typeof import('../src') {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require('../dist/index.js');
  } catch (error) {
    throw new Error('bench: no built package in dist/ — run `npm run build` first', { cause: error });
  }
}

export const { LeaderLatch, Mutex, NodeCache, TreeCache, ZkClient } = loadBuilt();
