/**
 * `zk-recipes inspect queue|barrier|service` against a real server: a queue with items (some claimed by a
 * lock-safe consumer), barriers with members, a discovery base path with instances — read by the command in
 * a child process; and the paths that are not there.
 */
import type { ZkClient } from '../../src/client';
import {
  DistributedBarrier,
  DistributedPriorityQueue,
  DistributedQueue,
  DoubleBarrier,
  QueueConsumer,
  ServiceDiscovery,
  SimpleDistributedQueue,
  serviceInstance,
} from '../../src';
import { eventually, scaled } from '../helpers';
import { Clients } from '../helpers/clients';
import { sharedServer } from '../helpers/shared-server';
import { cli, cliJson } from './support';

const server = sharedServer();
const clients = new Clients(() => server.connectString, { prefix: 'cli-families', clientDefaults: { sessionTimeoutMs: 10_000 } });
beforeEach(() => clients.renew());
afterEach(() => clients.closeAll());

/** The path as the command sees it: it connects without the test's namespace. */
const full = (path: string): string => `${clients.namespace}${path}`;

async function childCount(client: ZkClient, path: string, count: number): Promise<void> {
  await eventually(async () => ((await client.exists(path))?.numChildren ?? 0) === count, scaled(30_000));
}

interface QueueReport {
  kind: string;
  path: string;
  lockPath: string;
  depth: number;
  layouts: string[];
  oldest: string | null;
  oldestAgeMs: number | null;
  claims: { name: string; sessionId: string; ageMs: number }[];
  items: { name: string; layout: string; attempts: number; priority?: number; ageMs: number; claimedBy: string | null }[];
}

describe('queue', () => {
  test('depth, the oldest item, and the items a lock-safe consumer claimed, with its session', async () => {
    const [producer, worker] = await clients.startMany(2);
    const queue = new DistributedQueue<string>(producer!, '/queues/jobs');
    for (const job of ['a', 'b', 'c']) await queue.put(job);
    // The handler holds the first item; the consumer claims the next one ahead meanwhile.
    const handling: string[] = [];
    const consumer = new QueueConsumer(new DistributedQueue<string>(worker!, '/queues/jobs'), (job, info) => {
      handling.push(job);
      return new Promise<void>((resolve) => info.signal.addEventListener('abort', () => resolve()));
    });
    await consumer.start();
    await childCount(producer!, '/queues/jobs-locks', 2);

    const report = await cliJson<QueueReport>(server.connectString, 'inspect', 'queue', full('/queues/jobs'));
    expect(report).toMatchObject({ kind: 'queue', path: full('/queues/jobs'), lockPath: full('/queues/jobs-locks'), depth: 3, layouts: ['DistributedQueue'] });
    expect(report.oldest).toBe('queue-0000000000');
    expect(report.oldestAgeMs).toBeGreaterThanOrEqual(0);
    expect(report.items.map((item) => [item.name, item.claimedBy])).toEqual([
      ['queue-0000000000', worker!.sessionId],
      ['queue-0000000001', worker!.sessionId],
      ['queue-0000000002', null],
    ]);
    expect(report.claims.map((claim) => [claim.name, claim.sessionId])).toEqual([
      ['queue-0000000000', worker!.sessionId],
      ['queue-0000000001', worker!.sessionId],
    ]);
    expect(handling).toEqual(['a']);

    const text = await cli('--connect', server.connectString, 'inspect', 'queue', full('/queues/jobs'));
    expect(text.stdout).toContain(`queue ${full('/queues/jobs')}: 3 item(s) (DistributedQueue), 2 claimed, oldest queue-0000000000 age`);
    expect(text.stdout).toMatch(new RegExp(`1\\. queue-0000000000  age \\d+ m?s  claimed by session 0x${worker!.sessionId}`));
    await consumer.close();
  });

  test("SimpleDistributedQueue's qn- items, a priority queue's order, and a lock path given", async () => {
    const client = await clients.start();
    const simple = new SimpleDistributedQueue(client, '/queues/raw');
    await simple.offer(Buffer.from('one'));
    await simple.offer(Buffer.from('two'));
    const raw = await cliJson<QueueReport>(server.connectString, 'inspect', 'queue', full('/queues/raw'));
    expect(raw).toMatchObject({ depth: 2, layouts: ['SimpleDistributedQueue'], oldest: 'qn-0000000000', claims: [] });

    const urgent = new DistributedPriorityQueue<string>(client, '/queues/prio', { lockPath: '/claims/prio' });
    await urgent.put('later', 5);
    await urgent.put('first', -1);
    const prio = await cliJson<QueueReport>(server.connectString, 'inspect', 'queue', full('/queues/prio'), full('/claims/prio'));
    expect(prio.lockPath).toBe(full('/claims/prio'));
    expect(prio.items.map((item) => [item.priority, item.layout])).toEqual([
      [-1, 'DistributedPriorityQueue'],
      [5, 'DistributedPriorityQueue'],
    ]);
    expect(prio.oldest).toBe(prio.items[1]!.name); // the first put, though second in line
  });
});

describe('barrier', () => {
  interface BarrierReport {
    kind: string;
    set: boolean;
    ready: boolean;
    members: { id: string; sessionId: string; ageMs: number }[];
  }

  test('a DoubleBarrier: its members with their sessions, and ready', async () => {
    const [a, b] = await clients.startMany(2);
    const first = new DoubleBarrier(a!, '/barriers/phase', { memberCount: 2, id: 'member-a' });
    const second = new DoubleBarrier(b!, '/barriers/phase', { memberCount: 2, id: 'member-b' });
    await Promise.all([first.enter(), second.enter()]);

    const report = await cliJson<BarrierReport>(server.connectString, 'inspect', 'barrier', full('/barriers/phase'));
    expect(report).toMatchObject({ kind: 'barrier', set: true, ready: true });
    expect(report.members.map((m) => [m.id, m.sessionId])).toEqual([
      ['member-a', a!.sessionId],
      ['member-b', b!.sessionId],
    ]);
    const text = await cli('--connect', server.connectString, 'inspect', 'barrier', full('/barriers/phase'));
    expect(text.stdout).toContain('double barrier: 2 member(s), ready');
    await Promise.all([first.leave(), second.leave()]);
  });

  test('a DistributedBarrier: set while its node exists; not set is a missing path', async () => {
    const client = await clients.start();
    const barrier = new DistributedBarrier(client, '/barriers/gate');
    await barrier.set();
    const report = await cliJson<BarrierReport>(server.connectString, 'inspect', 'barrier', full('/barriers/gate'));
    expect(report).toMatchObject({ set: true, ready: false, members: [] });

    await barrier.remove();
    const result = await cli('--connect', server.connectString, 'inspect', 'barrier', full('/barriers/gate'));
    expect(result.status).toBe(1);
    expect(result.stderr).toBe(`zk-recipes: ${full('/barriers/gate')} does not exist (a DistributedBarrier there is not set)\n`);
  });
});

describe('service', () => {
  interface ServiceReport {
    kind: string;
    services: {
      name: string;
      instances: { id: string; endpoint: string | null; sslPort: number | null; serviceType: string; registered: string; sessionId: string | null; enabled: boolean }[];
    }[];
  }
  const REGISTERED = 1_700_000_000_000;

  test('every service with its instances: address:port, sslPort, type, registration time, session', async () => {
    const [a, b] = await clients.startMany(2);
    const one = new ServiceDiscovery(a!, { basePath: '/services' });
    const two = new ServiceDiscovery(b!, { basePath: '/services' });
    await Promise.all([one.start(), two.start()]);
    await one.register(serviceInstance({ name: 'billing', id: 'b-1', address: '10.0.0.1', port: 8080, sslPort: 8443, registrationTimeUTC: REGISTERED, payload: { zone: 'eu' } }));
    await two.register(serviceInstance({ name: 'billing', id: 'b-2', address: '10.0.0.2', port: 8080, registrationTimeUTC: REGISTERED }));
    await two.register(serviceInstance({ name: 'search', id: 's-1', address: '10.0.0.3', port: 9200, serviceType: 'STATIC', registrationTimeUTC: REGISTERED }));

    const report = await cliJson<ServiceReport>(server.connectString, 'inspect', 'service', full('/services'));
    expect(report.kind).toBe('service');
    expect(report.services.map((s) => [s.name, s.instances.map((i) => [i.id, i.endpoint, i.sslPort, i.serviceType, i.registered, i.sessionId])])).toEqual([
      [
        'billing',
        [
          ['b-1', '10.0.0.1:8080', 8443, 'DYNAMIC', '2023-11-14T22:13:20.000Z', a!.sessionId],
          ['b-2', '10.0.0.2:8080', null, 'DYNAMIC', '2023-11-14T22:13:20.000Z', b!.sessionId],
        ],
      ],
      ['search', [['s-1', '10.0.0.3:9200', null, 'STATIC', '2023-11-14T22:13:20.000Z', null]]],
    ]);
    expect(JSON.stringify(report)).not.toContain('zone'); // the payload is not shown

    const billing = await cliJson<ServiceReport>(server.connectString, 'inspect', 'service', full('/services'), 'billing');
    expect(billing.services.map((s) => s.name)).toEqual(['billing']);
    const text = await cli('--connect', server.connectString, 'inspect', 'service', full('/services'), 'billing');
    expect(text.stdout).toContain(`b-1  10.0.0.1:8080  ssl 8443  DYNAMIC  registered 2023-11-14T22:13:20.000Z  session 0x${a!.sessionId}`);

    const missing = await cli('--connect', server.connectString, 'inspect', 'service', full('/services'), 'nothing');
    expect({ status: missing.status, stderr: missing.stderr }).toEqual({ status: 1, stderr: `zk-recipes: ${full('/services/nothing')} does not exist\n` });
    await Promise.all([one.close(), two.close()]);
  });
});

test('a path that does not exist: a clear message and exit status 1, for each kind', async () => {
  await clients.start();
  for (const kind of ['queue', 'service']) {
    const result = await cli('--connect', server.connectString, 'inspect', kind, full('/nothing'));
    expect({ kind, status: result.status, stdout: result.stdout, stderr: result.stderr }).toEqual({ kind, status: 1, stdout: '', stderr: `zk-recipes: ${full('/nothing')} does not exist\n` });
  }
});
