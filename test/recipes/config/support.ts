/** Shared set-up of the config recipe tests: waits on cache events, and an independent order checker. */
import type { CacheChange, TreeCache } from '../../../src/recipes/config';
import type { TransportName, ZooKeeperClient } from '../../../src/client';
import { joinPath } from '../../../src/client';
import { scaled, waitForEvent } from '../../helpers';
import { Clients } from '../../helpers/clients';
import { sharedServer } from '../../helpers/shared-server';

/** Both watch sources: our transport has persistent watches; node-zookeeper-client falls back to one-shot ones. */
export const WATCH_SOURCES: Array<[TransportName, 'persistent' | 'one-shot']> = [
  ['zk-recipes', 'persistent'],
  ['node-zookeeper-client', 'one-shot'],
];

/** Anything a test bed closes after each test. */
interface Closable {
  close(): Promise<void>;
}

/**
 * A server for the file, clients with a namespace per test, and `track(cache)`: every cache tracked in a test
 * is closed after it, before its clients.
 */
export function cacheTestBed(
  prefix: string,
): { server: ReturnType<typeof sharedServer>; clients: Clients; track: <T extends Closable>(cache: T) => T } {
  const server = sharedServer();
  const clients = new Clients(() => server.connectString, { prefix });
  const caches: Closable[] = [];
  beforeEach(() => clients.renew());
  afterEach(async () => {
    await Promise.all(caches.splice(0).map((c) => c.close()));
    await clients.closeAll();
  });
  return {
    server,
    clients,
    track: (cache) => {
      caches.push(cache);
      return cache;
    },
  };
}

/** Resolves with the first `event` whose first argument `predicate` accepts. */
export async function next<T>(emitter: Parameters<typeof waitForEvent>[0], event: string, predicate: (value: T) => boolean = () => true, timeoutMs = scaled(30_000)): Promise<T> {
  const [value] = await waitForEvent(emitter, event, (v: T) => predicate(v), timeoutMs);
  return value as T;
}

/** Every change a {@link TreeCache} reports, as `type path` lines (plus `resync` when marked), from now on. */
export function recordChanges(cache: TreeCache): { lines: string[]; changes: CacheChange[] } {
  const record = { lines: [] as string[], changes: [] as CacheChange[] };
  const push = (change: CacheChange): void => {
    record.changes.push(change);
    record.lines.push(`${change.type} ${change.node.path}${change.resync ? ' resync' : ''}`);
  };
  cache.on('added', push);
  cache.on('updated', push);
  cache.on('removed', push);
  return record;
}

/**
 * What the server holds under `root`, listed afresh by `client` (an oracle independent of the cache):
 * path → data as text.
 */
export async function listTree(client: ZooKeeperClient, root: string): Promise<Map<string, string>> {
  const tree = new Map<string, string>();
  const visit = async (path: string): Promise<void> => {
    let data: Buffer;
    let children: string[];
    try {
      [{ data }, { children }] = await Promise.all([client.getData(path), client.getChildren(path)]);
    } catch (error) {
      if ((error as { code?: string }).code === 'NO_NODE') return;
      throw error;
    }
    tree.set(path, data.toString());
    await Promise.all(children.map((name) => visit(joinPath(path, name))));
  };
  await visit(root);
  return tree;
}

/** A {@link TreeCache}'s content as path → data text. */
export function cacheContent(cache: TreeCache): Map<string, string> {
  return new Map([...cache].map((node) => [node.path, node.data?.toString() ?? '']));
}
