/**
 * One ZooKeeper server (or ensemble) for all the tests of a file or `describe` block: JVM start-up costs
 * seconds, so tests share it and keep apart by namespace (see `Clients`).
 */
import { TestingCluster, TestingServer, type TestingClusterOptions, type TestingServerOptions } from '../../src/testing';

/**
 * A {@link TestingServer} started in `beforeAll` and stopped in `afterAll` of the block this is called in.
 * The object returned stands for it (its properties and methods are the server's); touching it before the
 * `beforeAll` ran throws. Call it before the block's other hooks that use the server.
 */
export function sharedServer(options?: TestingServerOptions): TestingServer {
  return startedForBlock('sharedServer()', () => TestingServer.start(options));
}

/** A {@link TestingCluster} started in `beforeAll` and stopped in `afterAll`, as {@link sharedServer}. */
export function sharedCluster(options?: TestingClusterOptions): TestingCluster {
  return startedForBlock('sharedCluster()', () => TestingCluster.start(options));
}

function startedForBlock<T extends { stop(): Promise<unknown> }>(what: string, start: () => Promise<T>): T {
  let started: T | undefined;
  beforeAll(async () => {
    started = await start();
  });
  afterAll(async () => {
    await started?.stop();
  });
  return new Proxy({} as T, {
    get(_, property) {
      if (property === 'then') return undefined; // not a promise, should anything await it
      if (started === undefined) throw new Error(`${what}: the server is used before its beforeAll started it`);
      const value = Reflect.get(started, property, started) as unknown;
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(started) : value;
    },
  });
}
