/** Jest: TypeScript tests under test/, run against real ZooKeeper servers started by src/testing. */
/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: {
    '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json', diagnostics: false }],
  },
  testTimeout: 120000,
  maxWorkers: 2,
  // A glob that matches nothing must fail, not pass silently.
  passWithNoTests: false,
};
