/** Jest: TypeScript tests under test/, run against real ZooKeeper servers started by src/testing. */
/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: {
    '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json', diagnostics: false }],
  },
  setupFiles: ['<rootDir>/test/setup.ts'],
  // Kills any ZooKeeper JVM an in-band run left in the jest process.
  globalTeardown: '<rootDir>/src/testing/jest-global-teardown.ts',
  testTimeout: 120000,
  maxWorkers: 2,
  // A glob that matches nothing must fail, not pass silently.
  passWithNoTests: false,
};
