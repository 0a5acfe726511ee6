/**
 * Interop with Apache Curator 5.4's curator-x-discovery (a real Curator client in a child JVM,
 * test/interop/CuratorPeer.java): instances Curator registers are found by our discovery, cache and
 * provider, and ours by Curator's ServiceDiscovery, with every field intact; and our IdBlockAllocator shares
 * its counter with Curator's CachedAtomicLong (DistributedAtomicLong's 8-byte format).
 */
import { buildUri, IdBlockAllocator, ServiceCache, ServiceDiscovery, serviceInstance, type ServiceInstance } from '../../../src/recipes/naming';
import { TestingServer } from '../../../src/testing';
import { scaled, waitForEvent } from '../../helpers';
import { Clients } from '../../helpers/clients';
import { CuratorPeer } from '../../interop/curator-peer';

let server: TestingServer;
let curator: CuratorPeer;
const clients = new Clients(() => server.connectString, { prefix: 'naming' });
const recipes: Array<{ close(): Promise<void> }> = [];

beforeAll(async () => {
  server = await TestingServer.start();
  curator = await CuratorPeer.start(server.connectString, { replyTimeoutMs: scaled(60_000) });
});
beforeEach(() => clients.renew());
afterEach(async () => {
  await Promise.all(recipes.splice(0).map((r) => r.close()));
  await clients.closeAll();
});
afterAll(async () => {
  await curator?.close();
  await server?.stop();
});

/** The base path as Curator (which has no namespace) sees our client's `/services`. */
const curatorBase = (): string => `${clients.namespace}/services`;

async function discovery(): Promise<ServiceDiscovery> {
  const made = new ServiceDiscovery(await clients.start(), { basePath: '/services' });
  recipes.push(made);
  await made.start();
  return made;
}

test("Curator's instances are found by ours: its JSON, uriSpec and @class payload read as Curator wrote them", async () => {
  const ours = await discovery();
  const cache = new ServiceCache(ours, 'svc');
  recipes.push(cache);
  await cache.start();
  const seen = waitForEvent(cache, 'change', (list: ServiceInstance[]) => list.length === 2, scaled(30_000));
  expect(await curator.send(`discovery-register ${curatorBase()} svc java-1 9001`)).toBe('REGISTERED');
  expect(await curator.send(`discovery-register ${curatorBase()} svc java-2 9002 {scheme}://{address}:{port}/v1`)).toBe('REGISTERED');
  await seen;

  // The raw node: Curator 5.4's default serializer leaves `enabled` out and writes Jackson's @class.
  const raw = JSON.parse((await (await clients.start()).getData('/services/svc/java-1')).data.toString()) as Record<string, unknown>;
  expect(Object.keys(raw)).toEqual(['name', 'id', 'address', 'port', 'sslPort', 'payload', 'registrationTimeUTC', 'serviceType', 'uriSpec']);

  const [first, second] = await ours.queryForInstances('svc');
  expect(first).toMatchObject({
    name: 'svc',
    id: 'java-1',
    address: '127.0.0.1',
    port: 9001,
    sslPort: null,
    payload: { '@class': 'java.util.HashMap', zone: 'java' },
    serviceType: 'DYNAMIC',
    uriSpec: null,
    enabled: true,
  });
  expect(second!.uriSpec).toBe('{scheme}://{address}:{port}/v1');
  expect(buildUri(second!)).toBe('http://127.0.0.1:9002/v1');
  expect(cache.instances()).toEqual([first, second]);
  expect(await ours.queryForNames()).toEqual(['svc']);
});

test("ours are found by Curator's ServiceDiscovery with every field, and vanish for it when we close", async () => {
  const ours = await discovery();
  const node = serviceInstance({
    name: 'svc',
    id: 'node-1',
    address: '127.0.0.1',
    port: 8080,
    sslPort: 8443,
    payload: { zone: 'node', weight: 3 },
    uriSpec: '{scheme}://{address}:{ssl-port}',
  });
  const disabled = serviceInstance({ name: 'svc', id: 'node-2', address: '127.0.0.1', port: 8081, enabled: false });
  await Promise.all([ours.register(node), ours.register(disabled)]);

  const reply = await curator.send(`discovery-query ${curatorBase()} svc`);
  expect(reply).toMatch(/^INSTANCES /);
  const read = JSON.parse(reply.slice('INSTANCES '.length)) as Array<Record<string, unknown>>;
  expect(read.map((i) => i['id']).sort()).toEqual(['node-1', 'node-2']);
  const java1 = read.find((i) => i['id'] === 'node-1')!;
  expect(java1).toMatchObject({
    name: 'svc',
    address: '127.0.0.1',
    port: 8080,
    sslPort: 8443,
    registrationTimeUTC: node.registrationTimeUTC,
    serviceType: 'DYNAMIC',
    enabled: true,
    // Curator read our plain JSON object as a Map (its payload type's defaultImpl).
    payload: { '@class': 'java.util.LinkedHashMap', zone: 'node', weight: 3 },
    uriSpec: {
      parts: [
        { value: 'scheme', variable: true },
        { value: '://', variable: false },
        { value: 'address', variable: true },
        { value: ':', variable: false },
        { value: 'ssl-port', variable: true },
      ],
    },
  });
  expect(read.find((i) => i['id'] === 'node-2')!['enabled']).toBe(false);

  await ours.close();
  expect(await curator.send(`discovery-query ${curatorBase()} svc`)).toBe('INSTANCES []');
});

test("IdBlockAllocator and Curator's CachedAtomicLong share one counter: every id handed out once", async () => {
  const path = '/ids/shared';
  const ours = await clients.startMany(4);
  const fromCurator = curator.send(`idblock-next ${clients.namespace}${path} 50 500`);
  const fromUs = Promise.all(
    ours.map(async (client) => {
      const allocator = new IdBlockAllocator(client, path, { blockSize: 50 });
      const ids: bigint[] = [];
      for (let i = 0; i < 500; i += 1) ids.push(await allocator.next());
      return ids;
    }),
  );
  const reply = await fromCurator;
  expect(reply).toMatch(/^IDS \d/);
  const all = [...reply.slice('IDS '.length).split(',').map(BigInt), ...(await fromUs).flat()];
  expect(all).toHaveLength(2500);
  expect(new Set(all).size).toBe(2500);
  // 50 blocks of 50 were reserved in all, by both sides, in one counter.
  expect((await ours[0]!.getData(path)).data.readBigInt64BE()).toBe(2500n);
});
