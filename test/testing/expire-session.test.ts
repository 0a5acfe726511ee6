/** expireSession against real servers and the real ZkClient: lost, then a new session. */
import { ZkClient } from '../../src/client';
import type { ConnectionState, StateInfo } from '../../src/client';
import { closeSessionWithCredentials, expireSession, freePorts, TestingCluster, TestingServer } from '../../src/testing';
import { scaled, uniqueNamespace, waitForState } from '../helpers';

let server: TestingServer;
const clients: ZkClient[] = [];

/** A started client (closed after the test) that records its state changes. */
async function startClient(connectString: string): Promise<{ client: ZkClient; states: [ConnectionState, StateInfo][] }> {
  const client = new ZkClient({ connectString, sessionTimeoutMs: 4000 });
  clients.push(client);
  const states: [ConnectionState, StateInfo][] = [];
  client.on('state', (state, info) => states.push([state, info]));
  await client.start();
  return { client, states };
}

beforeAll(async () => {
  server = await TestingServer.start();
});
afterEach(async () => {
  await Promise.all(clients.splice(0).map((client) => client.close()));
});
afterAll(() => server?.stop());

test('the client goes lost, then reconnected with a new session; its ephemerals are gone', async () => {
  const { client, states } = await startClient(server.connectString);
  const observer = (await startClient(server.connectString)).client;
  const path = uniqueNamespace('expire');
  await client.create(path, 'mine', { mode: 'ephemeral' });
  const oldSession = client.sessionId;
  const reconnected = waitForState(client, 'reconnected', (info) => info.sessionChanged === true);

  await server.expireSession(client);
  expect(states.map(([state]) => state)).toContain('lost');
  expect(states.find(([state]) => state === 'lost')?.[1]).toMatchObject({ sessionId: oldSession, reason: 'expired' });

  const info = await reconnected;
  expect(info.sessionId).toBe(client.sessionId);
  expect(client.sessionId).not.toBe(oldSession);
  expect(await observer.exists(path)).toBeNull();
});

test('expiring twice in a row works on each new session', async () => {
  const { client } = await startClient(server.connectString);
  for (let round = 0; round < 3; round++) {
    const before = client.sessionId;
    const reconnected = waitForState(client, 'reconnected', (info) => info.sessionChanged === true);
    await server.expireSession(client);
    await reconnected;
    expect(client.sessionId).not.toBe(before);
  }
});

test('the credentials of an expired session are refused: already-expired', async () => {
  const { client } = await startClient(server.connectString);
  const credentials = client.sessionCredentials()!;
  expect(credentials.sessionId).toHaveLength(8);
  expect(credentials.password).toHaveLength(16);
  await server.expireSession(client);
  expect(await closeSessionWithCredentials(server.connectString, credentials)).toBe('already-expired');
});

test('a client without a live session is refused at once', async () => {
  const client = new ZkClient({ connectString: server.connectString });
  await expect(expireSession(client, server.connectString)).rejects.toThrow(/no live session/);
});

test('when lost never comes, it rejects with what each attempt saw', async () => {
  const { client } = await startClient(server.connectString);
  const [nowhere] = await freePorts(1);
  await expect(expireSession(client, `127.0.0.1:${nowhere}`, { timeoutMs: 500 })).rejects.toThrow(
    /did not report 'lost' within 500 ms; attempts: \d+.*ECONNREFUSED/,
  );
  expect(client.state).toBe('connected');
});

test('an aborted signal rejects with its reason', async () => {
  const { client } = await startClient(server.connectString);
  const controller = new AbortController();
  const reason = new Error('test over');
  controller.abort(reason);
  await expect(expireSession(client, server.connectString, { signal: controller.signal })).rejects.toBe(reason);
});

test('in an ensemble, through any member: the client is lost and gets a new session', async () => {
  const cluster = await TestingCluster.start({ size: 3 });
  try {
    const { client } = await startClient(cluster.connectString);
    const oldSession = client.sessionId;
    const reconnected = waitForState(client, 'reconnected', (info) => info.sessionChanged === true, scaled(30_000));
    await cluster.expireSession(client);
    await reconnected;
    expect(client.sessionId).not.toBe(oldSession);
  } finally {
    await Promise.all(clients.splice(0).map((client) => client.close()));
    await cluster.stop();
  }
});
