/**
 * Connection states and lifecycle against a real server: restarts, stalls, outages longer than the session,
 * session expiry, the first connect's timeout, close(), deadlines and aborts.
 */
import { ZkClient, type ConnectionState, type StateInfo } from '../../src/client';
import { TestingProxy } from '../../src/testing';
import { scaled, uniqueNamespace, waitForEvent, waitForState } from '../helpers';
import { sharedServer } from '../helpers/shared-server';
import { ownNamespaceClients, rejectsWithCode } from './support';

const server = sharedServer();
const clients = ownNamespaceClients(() => server.connectString);
const proxies: TestingProxy[] = [];

afterEach(async () => {
  await clients.closeAll();
  await Promise.all(proxies.splice(0).map((proxy) => proxy.close()));
});

async function startProxy(): Promise<TestingProxy> {
  const proxy = await TestingProxy.start(server.connectString);
  proxies.push(proxy);
  return proxy;
}

/** Records every state change of `client` from now on. */
function recordStates(client: ZkClient): Array<{ state: ConnectionState; info: StateInfo }> {
  const seen: Array<{ state: ConnectionState; info: StateInfo }> = [];
  client.on('state', (state, info) => seen.push({ state, info }));
  return seen;
}

describe('connection states', () => {
  test('server restart within the session timeout: suspended, then reconnected to the same session', async () => {
    const client = await clients.start({ sessionTimeoutMs: 15_000 });
    const states = recordStates(client);
    const sessionId = client.sessionId;
    await client.create('/eph', '', { mode: 'ephemeral' });
    const reconnected = waitForState(client, 'reconnected');
    await server.restart();
    expect(await reconnected).toEqual({ sessionId, sessionChanged: false });
    expect(states.map((s) => s.state)).toEqual(['suspended', 'reconnected']);
    expect(client.state).toBe('reconnected');
    expect(await client.exists('/eph')).not.toBeNull();
  });

  test('a stalled connection is noticed within about 2/3 of the session timeout, then reconnected', async () => {
    const proxy = await startProxy();
    const client = await clients.start({ connectString: proxy.connectString, sessionTimeoutMs: 3000 });
    const states = recordStates(client);
    const timeoutMs = client.sessionTimeoutMs;
    expect(timeoutMs).toBe(3000);
    const suspended = waitForState(client, 'suspended');
    const stalledAt = performance.now();
    proxy.stall();
    await suspended;
    const noticedAfter = performance.now() - stalledAt;
    expect(noticedAfter).toBeGreaterThanOrEqual(timeoutMs / 2);
    expect(noticedAfter).toBeLessThan(timeoutMs * 0.9);
    const reconnected = waitForState(client, 'reconnected');
    proxy.resume();
    expect(await reconnected).toMatchObject({ sessionChanged: false });
    expect(states.map((s) => s.state)).toEqual(['suspended', 'reconnected']);
    await client.create('/after-stall');
  });

  test('an outage longer than the session timeout: lost (suspended-too-long), then a new session', async () => {
    const proxy = await startProxy();
    const namespace = uniqueNamespace('outage');
    const client = await clients.start({ connectString: proxy.connectString, sessionTimeoutMs: 2000, namespace });
    const observer = await clients.start({ namespace });
    await client.create('/eph', '', { mode: 'ephemeral' });
    const states = recordStates(client);
    const oldSession = client.sessionId;

    const lost = waitForState(client, 'lost');
    proxy.rejectConnections(true);
    proxy.cut();
    expect(await lost).toEqual({ sessionId: oldSession, reason: 'suspended-too-long' });
    // Operations wait for the new session instead of failing.
    const created = client.create('/after', 'x');
    const reconnected = waitForState(client, 'reconnected');
    proxy.rejectConnections(false);
    const info = await reconnected;
    expect(info.sessionChanged).toBe(true);
    expect(info.sessionId).not.toBe(oldSession);
    expect(info.sessionId).toBe(client.sessionId);
    expect(await created).toBe('/after');
    expect(states.map((s) => s.state)).toEqual(['suspended', 'lost', 'reconnected']);
    // The server expires the old session by itself: its ephemeral goes.
    await waitForDeletion(observer, '/eph');
  });

  test('server down longer than the session timeout (killed, then restarted): lost, then reconnected with a new session', async () => {
    const client = await clients.start({ sessionTimeoutMs: 2000 });
    const states = recordStates(client);
    const oldSession = client.sessionId;
    const lost = waitForState(client, 'lost');
    await server.kill();
    expect(await lost).toMatchObject({ reason: 'suspended-too-long' });
    const reconnected = waitForState(client, 'reconnected');
    await server.restart();
    expect(await reconnected).toMatchObject({ sessionChanged: true });
    expect(client.sessionId).not.toBe(oldSession);
    expect(states.map((s) => s.state)).toEqual(['suspended', 'lost', 'reconnected']);
    await client.create('/works');
  });

  test('session expiry: lost, a new session, reconnected with sessionChanged; old ephemerals gone; states() agrees', async () => {
    const namespace = uniqueNamespace('expiry');
    const client = await clients.start({ namespace, sessionTimeoutMs: 3000 });
    const observer = await clients.start({ namespace });
    await client.create('/eph', 'old', { mode: 'ephemeral' });
    const oldSession = client.sessionId!;

    const events = recordStates(client);
    const iterated: Array<{ state: ConnectionState; info: StateInfo }> = [];
    const newSession = (state: ConnectionState, info: StateInfo): boolean => state === 'reconnected' && info.sessionChanged === true;
    const iterating = (async () => {
      for await (const change of client.states()) {
        iterated.push(change);
        if (newSession(change.state, change.info)) break;
      }
    })();
    const reconnected = waitForState(client, 'reconnected', (i) => i.sessionChanged === true);
    await server.expireSession(client);
    const info = await reconnected;
    await iterating;

    // The trick moves the session to another connection first: the client may see its connection drop and
    // take the session back (suspended, reconnected to the same session) before the session is closed.
    const lostAt = events.findIndex((e) => e.state === 'lost');
    expect(events[lostAt]).toEqual({ state: 'lost', info: { sessionId: oldSession, reason: 'expired' } });
    expect(events.slice(lostAt + 1)).toEqual([{ state: 'reconnected', info: { sessionId: client.sessionId, sessionChanged: true } }]);
    for (const before of events.slice(0, lostAt)) {
      expect(before).toMatchObject({ info: { sessionId: oldSession } });
      expect(['suspended', 'reconnected']).toContain(before.state);
    }
    expect(info.sessionId).not.toBe(oldSession);
    // The async iterator sees the same sequence as the events.
    expect(iterated).toEqual(events);

    expect(await observer.exists('/eph')).toBeNull();
    expect(await client.create('/eph', 'new', { mode: 'ephemeral' })).toBe('/eph');
    const owner = (await observer.exists('/eph'))!.ephemeralOwner;
    expect(owner.toString(16).padStart(16, '0')).toBe(client.sessionId);
  });
});

describe('lifecycle', () => {
  test('start() rejects with CONNECT_TIMEOUT within connectionTimeoutMs when nothing listens', async () => {
    const proxy = await TestingProxy.start(server.connectString);
    const deadPort = proxy.connectString;
    await proxy.close();
    const client = clients.make({ connectString: deadPort, connectionTimeoutMs: 1000 });
    const started = performance.now();
    const error = await rejectsWithCode(client.start(), 'CONNECT_TIMEOUT');
    const elapsed = performance.now() - started;
    expect(error).toMatchObject({ name: 'ZkError', operation: 'connect' });
    expect(error.message).toContain(deadPort);
    expect(elapsed).toBeGreaterThanOrEqual(950);
    expect(elapsed).toBeLessThan(scaled(3000));
    expect(client.state).toBe('closed');
    await rejectsWithCode(client.start(), 'CLIENT_CLOSED');
  });

  test('start() also times out when the server accepts but never answers the handshake', async () => {
    const proxy = await startProxy();
    proxy.stall();
    const client = clients.make({ connectString: proxy.connectString, connectionTimeoutMs: 800 });
    await rejectsWithCode(client.start(), 'CONNECT_TIMEOUT');
  });

  test('start() and close() are idempotent and share one promise; operations after close are CLIENT_CLOSED', async () => {
    const client = clients.make();
    expect(client.state).toBe('latent');
    const first = client.start();
    expect(client.start()).toBe(first);
    await first;
    expect(client.state).toBe('connected');
    expect(client.sessionCredentials()).toMatchObject({ timeoutMs: 3000, server: server.connectString });

    const states = recordStates(client);
    const closing = client.close();
    expect(client.close()).toBe(closing);
    await closing;
    await client.close();
    expect(client.state).toBe('closed');
    expect(states).toEqual([{ state: 'closed', info: { sessionId: client.sessionId } }]);
    expect(client.sessionCredentials()).toBeUndefined();

    await rejectsWithCode(client.getData('/'), 'CLIENT_CLOSED');
    await rejectsWithCode(client.create('/x'), 'CLIENT_CLOSED');
    await rejectsWithCode(client.transaction().create('/x').commit(), 'CLIENT_CLOSED');
    await rejectsWithCode(client.waitForConnection(), 'CLIENT_CLOSED');
    // A watcher of a closed client reports through its promise, never by throwing.
    const watcher = client.watchData('/x');
    await rejectsWithCode(watcher.ready(), 'CLIENT_CLOSED');
    for await (const change of watcher) throw new Error(`a closed client's watcher yielded ${String(change.value)}`);
    // states() of a closed client ends at once.
    const after: unknown[] = [];
    for await (const change of client.states()) after.push(change);
    expect(after).toEqual([]);
  });

  test('close() ends the session: its ephemerals go at once', async () => {
    const namespace = uniqueNamespace('close');
    const client = await clients.start({ namespace, sessionTimeoutMs: 30_000 });
    const observer = await clients.start({ namespace });
    await client.create('/eph', '', { mode: 'ephemeral' });
    await client.close();
    expect(await observer.exists('/eph')).toBeNull();
  });

  test('close() while operations wait for a connection rejects them with CLIENT_CLOSED', async () => {
    const proxy = await startProxy();
    const client = await clients.start({ connectString: proxy.connectString });
    proxy.rejectConnections(true);
    const suspended = waitForState(client, 'suspended');
    proxy.cut();
    await suspended;
    const waiting = client.getData('/');
    const seen: ConnectionState[] = [];
    const iterating = (async () => {
      for await (const { state } of client.states()) seen.push(state);
    })();
    await client.close();
    await rejectsWithCode(waiting, 'CLIENT_CLOSED');
    await iterating; // ends by itself after 'closed'
    expect(seen).toEqual(['closed']);
  });

  test('states() ends when its signal aborts', async () => {
    const client = await clients.start();
    const controller = new AbortController();
    const seen: ConnectionState[] = [];
    const iterating = (async () => {
      for await (const { state } of client.states({ signal: controller.signal })) seen.push(state);
    })();
    controller.abort();
    await iterating;
    expect(seen).toEqual([]);
    expect(client.listenerCount('state')).toBe(0);
  });

  test('Symbol.asyncDispose closes the client', async () => {
    const client = await clients.start();
    {
      await using disposable = client;
      await disposable.exists('/');
    }
    expect(client.state).toBe('closed');
  });
});

describe('deadlines and aborts', () => {
  test('an operation with timeoutMs while disconnected rejects at its deadline', async () => {
    const proxy = await startProxy();
    const client = await clients.start({ connectString: proxy.connectString, sessionTimeoutMs: 4000 });
    proxy.rejectConnections(true);
    const suspended = waitForState(client, 'suspended');
    proxy.cut();
    await suspended;
    const started = performance.now();
    const error = await rejectsWithCode(client.getData('/', { timeoutMs: 400 }), 'CONNECTION_LOSS');
    const elapsed = performance.now() - started;
    expect(error).toMatchObject({ operation: 'getData', path: '/' });
    expect(elapsed).toBeGreaterThanOrEqual(390);
    expect(elapsed).toBeLessThan(scaled(1500));
  });

  test('an operation with timeoutMs on a stalled connection rejects with OPERATION_TIMEOUT at its deadline', async () => {
    const proxy = await startProxy();
    const client = await clients.start({ connectString: proxy.connectString, sessionTimeoutMs: 4000 });
    proxy.stall();
    const started = performance.now();
    await rejectsWithCode(client.exists('/', { timeoutMs: 300 }), 'OPERATION_TIMEOUT');
    expect(performance.now() - started).toBeLessThan(scaled(1200));
    expect(client.state).toBe('connected');
    proxy.resume();
  });

  test('the default operation timeout applies when none is given', async () => {
    const proxy = await startProxy();
    const client = await clients.start({ connectString: proxy.connectString, operationTimeoutMs: 300 });
    proxy.rejectConnections(true);
    const suspended = waitForState(client, 'suspended');
    proxy.cut();
    await suspended;
    await rejectsWithCode(client.exists('/'), 'CONNECTION_LOSS');
  });

  test('an abort rejects with signal.reason, also while waiting for a connection', async () => {
    const proxy = await startProxy();
    const client = await clients.start({ connectString: proxy.connectString });
    const reason = new Error('caller gave up');
    await expect(client.getData('/', { signal: AbortSignal.abort(reason) })).rejects.toBe(reason);

    proxy.rejectConnections(true);
    const suspended = waitForState(client, 'suspended');
    proxy.cut();
    await suspended;
    const controller = new AbortController();
    const pending = client.create('/never', 'x', { signal: controller.signal });
    const waitingForConnection = client.waitForConnection({ signal: controller.signal });
    controller.abort(reason);
    await expect(pending).rejects.toBe(reason);
    await expect(waitingForConnection).rejects.toBe(reason);

    const timedOut = AbortSignal.timeout(200);
    await expect(client.exists('/', { signal: timedOut })).rejects.toMatchObject({ name: 'TimeoutError' });
  });
});

/** Resolves once `path` no longer exists, watching it through `observer`. */
async function waitForDeletion(observer: ZkClient, path: string): Promise<void> {
  const watcher = observer.watchExists(path);
  try {
    await waitForEvent(watcher, 'change', (change: { value: unknown }) => change.value === undefined, scaled(15_000)).catch(
      async (error: unknown) => {
        if ((await watcher.ready()).value !== undefined) throw error;
      },
    );
  } finally {
    await watcher.close();
  }
}
