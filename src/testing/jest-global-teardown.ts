/**
 * A jest `globalTeardown` that SIGKILLs any ZooKeeper JVM still tracked in the jest process (tests run in
 * band leave theirs there). JVMs of worker processes die with their worker (exit hook, or the watchdog).
 *
 * jest.config.js: `globalTeardown: '<rootDir>/src/testing/jest-global-teardown.ts'`.
 */
import { killAllZooKeepers } from './jvm-registry';

/** Kills every tracked ZooKeeper JVM of this process. */
export default function globalTeardown(): void {
  killAllZooKeepers();
}
