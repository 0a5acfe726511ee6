/**
 * A TreeCache of 5,000 nodes on a 3-server ensemble under random creates, updates and deletes, with the server
 * the cache is connected to SIGKILLed in between: at the end the cache equals a fresh listing.
 */
import { isZkError, joinPath } from '../../../src/client';
import { TreeCache } from '../../../src/recipes/config';
import { eventually, scaled } from '../../helpers';
import { Clients } from '../../helpers/clients';
import { sharedCluster } from '../../helpers/shared-server';
import { cacheContent, listTree } from './support';

const cluster = sharedCluster({ size: 3 });
const clients = new Clients(() => cluster.connectString, { prefix: 'tree-ensemble' });
afterEach(() => clients.closeAll());

/** A small deterministic PRNG (mulberry32), so a failure can be replayed from its seed. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

test('5,000 nodes, random changes, a server killed in between: the cache equals a fresh listing', async () => {
  const seed = Date.now() % 100_000;
  const rand = random(seed);
  const [client, writer] = await clients.startMany(2, { sessionTimeoutMs: 10_000 });
  // 50 branches of 99 leaves (+ the branches and the root: 5,001 nodes), created 250 at a time.
  const leaves: string[] = [];
  await writer!.create('/tree', 'root');
  const branches = Array.from({ length: 50 }, (_, b) => joinPath('/tree', `b${b}`));
  await Promise.all(branches.map((b) => writer!.create(b, b)));
  for (const branch of branches) for (let l = 0; l < 99; l += 1) leaves.push(joinPath(branch, `l${l}`));
  for (let i = 0; i < leaves.length; i += 250) await Promise.all(leaves.slice(i, i + 250).map((leaf) => writer!.create(leaf, 'v0')));

  const cache = new TreeCache(client!, '/tree');
  const errors: Error[] = [];
  cache.on('error', (error) => errors.push(error));
  let resyncs = 0;
  cache.on('resynced', () => (resyncs += 1));
  await cache.start();
  expect(cache.size).toBe(5001);

  const live = new Set(leaves);
  let created = 0;
  const change = async (): Promise<void> => {
    const r = rand();
    const pool = [...live];
    const leaf = pool[Math.floor(rand() * pool.length)]!;
    try {
      if (r < 0.5) await writer!.setData(leaf, `v${Math.floor(rand() * 1000)}`);
      else if (r < 0.75) {
        live.delete(leaf);
        await writer!.delete(leaf);
      } else {
        const fresh = joinPath(branches[Math.floor(rand() * branches.length)]!, `n${(created += 1)}`);
        live.add(fresh);
        await writer!.create(fresh, 'new');
      }
    } catch (error) {
      // A request cut off by the failover may have been applied or not, and two changes of one batch may pick
      // the same leaf: the final listing is the oracle, not this bookkeeping.
      if (!isZkError(error, 'NO_NODE') && !(isZkError(error) && error.retriable)) throw error;
    }
  };
  const burst = async (n: number): Promise<void> => {
    for (let i = 0; i < n; i += 50) await Promise.all(Array.from({ length: 50 }, change));
  };

  await burst(500);
  // Kill the server the cache's client is connected to, and keep changing things meanwhile.
  const server = client!.sessionCredentials()!.server;
  const victim = cluster.servers.findIndex((member) => server.endsWith(`:${member.clientPort}`));
  expect(victim).toBeGreaterThanOrEqual(0);
  const killed = cluster.kill(victim);
  await burst(500);
  await killed;
  await burst(500);
  await cluster.restart(victim, { timeoutMs: scaled(60_000) });
  await burst(500);

  const truth = await listTree(writer!, '/tree');
  const mismatch = (): string => {
    const held = cacheContent(cache);
    const wrong = [...truth].filter(([path, data]) => held.get(path) !== data).map(([path]) => path);
    const extra = [...held.keys()].filter((path) => !truth.has(path));
    return wrong.length + extra.length === 0 ? '' : `seed ${seed}: missing or stale ${wrong.slice(0, 5).join(', ')}; extra ${extra.slice(0, 5).join(', ')}`;
  };
  // The cache converges by itself (no event says "now equal to that listing"): look until it is.
  await eventually(() => mismatch() === '', scaled(60_000)).catch(() => {
    throw new Error(mismatch());
  });
  expect(cacheContent(cache)).toEqual(truth);
  expect(errors).toEqual([]);
  expect(resyncs).toBeGreaterThan(0); // the failover really made it read everything again
  await cache.close();
});
