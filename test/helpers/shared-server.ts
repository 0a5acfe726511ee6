/**
 * One ZooKeeper server (or ensemble) for all the tests of a file or `describe` block: JVM start-up costs
 * seconds, so tests share it and keep apart by namespace (see `Clients`).
 */
import { TestingCluster, TestingServer, type TestingClusterOptions, type TestingServerOptions } from '../../src/testing';
import { CuratorPeer, type CuratorPeerOptions } from '../interop/curator-peer';

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

/**
 * A Curator peer (test/interop/CuratorPeer.java, a real Curator in a child JVM) connected to `server`,
 * started in `beforeAll` (after the server's) and closed in `afterAll`, as {@link sharedServer}.
 */
export function sharedCuratorPeer(server: { readonly connectString: string }, options?: CuratorPeerOptions): CuratorPeer {
  return startedForBlock('sharedCuratorPeer()', () => CuratorPeer.start(server.connectString, options), (peer) => peer.close());
}

function startedForBlock<T extends object>(
  what: string,
  start: () => Promise<T>,
  stop: (started: T) => Promise<unknown> = (started) => (started as unknown as { stop(): Promise<unknown> }).stop(),
): T {
  let started: T | undefined;
  beforeAll(async () => {
    started = await start();
  });
  afterAll(async () => {
    if (started !== undefined) await stop(started);
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
