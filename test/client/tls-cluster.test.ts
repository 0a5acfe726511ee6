/**
 * TLS against a 3-server ensemble of the test kit: operations, a lock and an election, and failover over
 * TLS when the server a client is connected to is killed (the session moves to another member's TLS port).
 */
import { ZkClient } from '../../src/client';
import { LeaderLatch } from '../../src/recipes/leader';
import { Mutex } from '../../src/recipes/lock';
import { scaled, waitForState } from '../helpers';
import { Clients } from '../helpers/clients';
import { sharedCluster } from '../helpers/shared-server';

const cluster = sharedCluster({ size: 3, tls: { clientAuth: 'need' } });
const clients = new Clients(() => cluster.connectString, {
  prefix: 'tls-ensemble',
  clientDefaults: { sessionTimeoutMs: scaled(8000) },
});
const latches: LeaderLatch[] = [];

beforeEach(() => clients.renew());
afterEach(async () => {
  await Promise.all(latches.splice(0).map((latch) => latch.close()));
  await clients.closeAll();
  // Bring back whoever a test killed, so every test starts with the whole ensemble.
  await Promise.all(cluster.servers.filter((member) => !member.running).map((member) => cluster.restart(member.index)));
});

/** The member index `client` is connected to (its TLS port is one of the connect string's). */
function memberOf(client: ZkClient): number {
  const server = client.sessionCredentials()?.server;
  const index = cluster.servers.findIndex((member) => member.connectString === server);
  if (index < 0) throw new Error(`client is on ${String(server)}, not on a TLS port of the ensemble`);
  return index;
}

/** Kills the member `client` is on; resolves once the client is back on another member, same session. */
async function failover(client: ZkClient): Promise<number> {
  const before = memberOf(client);
  const sessionId = client.sessionId;
  const reconnected = waitForState(client, 'reconnected', undefined, scaled(60_000));
  await cluster.kill(before);
  expect(await reconnected).toEqual({ sessionId, sessionChanged: false });
  const after = memberOf(client);
  expect(after).not.toBe(before);
  return after;
}

test('CRUD over TLS survives the loss of the server the client is on', async () => {
  const client = await clients.start({ tls: cluster.tls!.clientOptions() });
  await client.create('/kept', 'before');
  await failover(client);
  expect((await client.getData('/kept')).data.toString()).toBe('before');
  await client.setData('/kept', 'after');
  await client.create('/new', '');
});

test('a lock and an election hand over across a failover over TLS', async () => {
  const [a, b] = await clients.startMany(2, { tls: cluster.tls!.clientOptions() });
  const held = await new Mutex(a!, '/lock').acquire();
  const leaderA = new LeaderLatch(a!, '/election', { id: 'a' });
  const leaderB = new LeaderLatch(b!, '/election', { id: 'b' });
  latches.push(leaderA, leaderB);
  await leaderA.start();
  await leaderA.waitForLeadership({ timeoutMs: scaled(20_000) });
  await leaderB.start();

  await failover(a!);
  // The holder was not sure for a while (standard policy): its signal says so; it releases, b gets the lock.
  expect(held.signal.aborted).toBe(true);
  await held.release();
  await (await new Mutex(b!, '/lock').acquire({ timeoutMs: scaled(20_000) })).release();

  // The same session kept a's latch node first in line: a leads again; once it leaves, b does.
  await leaderA.waitForLeadership({ timeoutMs: scaled(20_000) });
  await leaderA.close();
  await leaderB.waitForLeadership({ timeoutMs: scaled(20_000) });
  expect(leaderB.hasLeadership()).toBe(true);
});

test('without a client certificate every member refuses: TLS_FAILED at once, not a timeout', async () => {
  const connectionTimeoutMs = scaled(10_000);
  const client = new ZkClient({ connectString: cluster.connectString, tls: { ca: cluster.tls!.ca }, connectionTimeoutMs });
  const started = performance.now();
  const error: unknown = await client.start().catch((reason: unknown) => reason);
  // eslint-disable-next-line @typescript-eslint/no-unsafe-assignment -- jest's asymmetric matchers are typed any
  expect(error).toMatchObject({ code: 'TLS_FAILED', message: expect.stringMatching(/all of 3 servers.*alert/) });
  expect(performance.now() - started).toBeLessThan(connectionTimeoutMs / 2);
  expect(client.state).toBe('closed');
});
