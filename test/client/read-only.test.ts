/**
 * Read-only mode against real servers (docs/client.md, "Read-only mode"): a member that lost its quorum
 * serves reads to clients with `canBeReadOnly` (and to no other), and such a client goes back to a
 * read/write server by itself — when its own rejoins a quorum, and when another one answers `isro` first.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { EventEmitter } from 'eventemitter3';
import { ZkClient, type ConnectionState, type StateInfo } from '../../src/client';
import { eventually, scaled, waitForEvent, waitForState } from '../helpers';
import { leavesNothingBehind } from '../helpers/resources';
import { sharedCluster } from '../helpers/shared-server';
import { ownNamespaceClients, rejectsWithCode } from './support';

const cluster = sharedCluster({ size: 3, readOnlyMode: true });
/**
 * For the search test: a connection to a server that stopped answering is given up after ⅔ of the session
 * timeout (60 s here); the search must have moved the client before that. Its probes come 0.1, 0.3, 0.7 …
 * 25.5, 51.1 s after it started (the pause doubles, as the Java client's), so on a loaded machine where
 * restarting two members takes half a minute the round that finds one may be the one at 51 s: the wait
 * allows for it and still ends before the read timeout would have moved the client anyway.
 */
const SEARCH_SESSION_TIMEOUT_MS = 90_000;
const BEFORE_READ_TIMEOUT_MS = 58_000;
const clients = ownNamespaceClients(() => cluster.connectString);

afterEach(async () => {
  await clients.closeAll();
  // Every test starts from a whole ensemble.
  await Promise.all(cluster.servers.filter((member) => !member.running).map((member) => cluster.restart(member.index)));
});

/** Index of the member whose `host:port` is `server`. */
function memberAt(server: string): number {
  const index = [0, 1, 2].find((i) => cluster.connectStringOf(i) === server);
  if (index === undefined) throw new Error(`${server} is not a member of ${cluster.connectString}`);
  return index;
}

/** Kills every member but `survivor`; returns their indexes. */
async function isolate(survivor: number): Promise<number[]> {
  const others = [0, 1, 2].filter((i) => i !== survivor);
  await Promise.all(others.map((i) => cluster.kill(i)));
  return others;
}

/** Resolves once `member` serves read-only (`isro` answers `ro`: no event says so). */
function servesReadOnly(member: number): Promise<void> {
  return eventually(async () => (await cluster.fourLetterWord(member, 'isro').catch(() => '')) === 'ro');
}

/** Every state `client` reports from now on, with its info. */
function recordStates(client: ZkClient): Array<{ state: ConnectionState; info: StateInfo }> {
  const states: Array<{ state: ConnectionState; info: StateInfo }> = [];
  client.on('state', (state, info) => states.push({ state, info }));
  return states;
}

test.each([
  ['a local session (no ephemeral node)', false],
  ['a global session (it owns an ephemeral node)', true],
])('with %s, follows its server into read-only mode and back to read/write', async (_, ephemeral) => {
  const client = await clients.start({ canBeReadOnly: true, sessionTimeoutMs: 4000 });
  await client.create('/value', 'before');
  await client.create('/doomed');
  if (ephemeral) await client.create('/mine', '', { mode: 'ephemeral' });
  const states = recordStates(client);
  const survivor = memberAt(client.sessionCredentials()!.server);

  const readOnly = waitForState(client, 'read-only');
  const others = await isolate(survivor);
  // A read-only server cannot take over our session (it refuses a global one, and never knew a local one):
  // the client gets a new one there.
  expect((await readOnly).sessionChanged).toBe(true);
  expect((await client.getData('/value')).data.toString()).toBe('before');
  await rejectsWithCode(client.setData('/value', 'during'), 'NOT_READ_ONLY');
  await rejectsWithCode(client.create('/new'), 'NOT_READ_ONLY');
  // A guaranteed delete refused here is kept, and done once a read/write server has the client again.
  await rejectsWithCode(client.delete('/doomed', { guaranteed: true }), 'NOT_READ_ONLY');

  const reconnected = waitForState(client, 'reconnected');
  await Promise.all(others.map((i) => cluster.restart(i)));
  expect(await reconnected).toEqual({ sessionId: client.sessionId, sessionChanged: true });
  await client.setData('/value', 'after');
  await eventually(async () => (await client.exists('/doomed')) === null);
  expect((await client.getData('/value')).data.toString()).toBe('after');
  expect(states.map(({ state }) => state)).toEqual(['suspended', 'lost', 'read-only', 'suspended', 'reconnected']);
});

test('finds a read/write server by itself while its own server stays read-only', async () => {
  const survivor = 0;
  const others = await isolate(survivor);
  await servesReadOnly(survivor);
  const client = clients.make({ canBeReadOnly: true, sessionTimeoutMs: SEARCH_SESSION_TIMEOUT_MS });
  const states = recordStates(client);
  await client.start();
  expect(client.state).toBe('read-only');
  // Its namespace could not be made on a read-only server.
  expect(await client.exists('/')).toBeNull();

  // Paused (SIGSTOP), the read-only server neither closes the client's connection nor rejoins the quorum
  // the two others form: only the client's own search can take it away from there.
  cluster.pause(survivor);
  try {
    const reconnected = waitForState(client, 'reconnected', () => true, BEFORE_READ_TIMEOUT_MS);
    await Promise.all(others.map((i) => cluster.restart(i)));
    expect(await reconnected).toEqual({ sessionId: client.sessionId, sessionChanged: true });
    expect(others.map((i) => cluster.connectStringOf(i))).toContain(client.sessionCredentials()!.server);
    // The namespace is made on the first read/write connection (no event says when: it is a request).
    await eventually(async () => (await client.exists('/')) !== null);
    await client.create('/written', 'on a read/write server');
    expect(states.map(({ state }) => state)).toEqual(['read-only', 'suspended', 'reconnected']);
  } finally {
    cluster.resume(survivor);
  }
  await eventually(async () => (await cluster.fourLetterWord(survivor, 'isro').catch(() => '')) === 'rw');
});

test('without canBeReadOnly, a client does not use a read-only server and waits for the quorum', async () => {
  const client = await clients.start({ sessionTimeoutMs: 4000 });
  const states = recordStates(client);
  const survivor = memberAt(client.sessionCredentials()!.server);
  const others = await isolate(survivor);
  await servesReadOnly(survivor);

  // The server answers read-only clients, but refuses this one.
  await rejectsWithCode(clients.make({ connectionTimeoutMs: scaled(2000) }).start(), 'CONNECT_TIMEOUT');
  await rejectsWithCode(client.getData('/', { timeoutMs: scaled(500) }), 'CONNECTION_LOSS');
  expect(['suspended', 'lost']).toContain(client.state);

  const reconnected = waitForState(client, 'reconnected');
  await Promise.all(others.map((i) => cluster.restart(i)));
  await reconnected;
  await client.create('/after-quorum');
  expect(states.map(({ state }) => state)).not.toContain('read-only');
});

describe('close() while searching for a read/write server', () => {
  const sockets = new Set<Socket>();
  let silent: Server | undefined;

  afterEach(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => (silent ? silent.close(resolve) : resolve(undefined)));
  });

  test('leaves no socket or timer behind, during a probe or between rounds', async () => {
    const survivor = 0;
    await isolate(survivor);
    await servesReadOnly(survivor);
    // A server that accepts and never answers: a probe of it waits for its timeout.
    const probes = new EventEmitter<{ probe: [] }>();
    silent = createServer((socket) => {
      sockets.add(socket);
      socket.on('data', (chunk) => {
        if (chunk.toString('latin1') === 'isro') probes.emit('probe');
      });
      socket.on('close', () => sockets.delete(socket));
    });
    const listening = silent;
    await new Promise<void>((resolve) => listening.listen(0, '127.0.0.1', resolve));
    const { port } = listening.address() as { port: number };
    const readOnlyServer = cluster.connectStringOf(survivor);

    await leavesNothingBehind(async () => {
      const probing = new ZkClient({ connectString: `${readOnlyServer},127.0.0.1:${port}`, canBeReadOnly: true, sessionTimeoutMs: 4000 });
      const probed = waitForEvent(probes, 'probe');
      await probing.start();
      expect(probing.state).toBe('read-only');
      await probed;
      await probing.close();

      // Alone in its connect string, the search has no one to ask: it only waits for its next round.
      const waiting = new ZkClient({ connectString: readOnlyServer, canBeReadOnly: true, sessionTimeoutMs: 4000 });
      await waiting.start();
      expect(waiting.state).toBe('read-only');
      await waiting.close();
    });
  });
});
