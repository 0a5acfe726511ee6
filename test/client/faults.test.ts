/**
 * Protected creates and guaranteed deletes under injected faults: a proxy in front of a real server drops
 * the reply of exactly the create or delete, or stalls the connection, so the client cannot know whether the
 * server applied the request.
 */
import { once } from 'node:events';
import type { WatchEvent, ZkClient } from '../../src/client';
import { TestingProxy, type ProxiedRequest } from '../../src/testing';
import { scaled, uniqueNamespace, waitForState } from '../helpers';
import { sharedServer } from '../helpers/shared-server';
import { ownNamespaceClients, rejectsWithCode } from './support';

/** A create as either transport sends it: create (node-zookeeper-client) or create2 (ours). */
const OP_CREATES = [1, 15];
const OP_DELETE = 2;

const server = sharedServer();
let proxy: TestingProxy;
const clients = ownNamespaceClients(() => server.connectString);

beforeEach(async () => {
  proxy = await TestingProxy.start(server.connectString);
});
afterEach(async () => {
  await clients.closeAll();
  await proxy.close();
});

/** A client through the proxy and an observer straight on the server, on one namespace. */
async function proxiedAndObserver(sessionTimeoutMs = 2000): Promise<{ client: ZkClient; observer: ZkClient }> {
  const namespace = uniqueNamespace('faults');
  const client = await clients.start({ connectString: proxy.connectString, namespace, sessionTimeoutMs });
  const observer = await clients.start({ namespace });
  return { client, observer };
}

/** Arms the proxy to drop replies from the next request on, and resolves with that request. */
function dropNextReply(): Promise<ProxiedRequest> {
  proxy.dropRepliesAfter(1);
  return once(proxy, 'dropping-replies').then(([request]) => request as ProxiedRequest);
}

/** Leaves a watch on `path` (which must exist) through `observer`; `deleted` resolves when it goes. */
async function watchDeletion(observer: ZkClient, path: string): Promise<{ deleted: Promise<WatchEvent> }> {
  let fired!: (event: WatchEvent) => void;
  const deleted = new Promise<WatchEvent>((resolve) => (fired = resolve));
  expect(await observer.exists(path, { watch: (e) => fired(e) })).not.toBeNull();
  return { deleted };
}

describe('protected create', () => {
  test.each(['ephemeral-sequential', 'persistent-sequential'] as const)(
    '%s: the reply is lost, the client reconnects and finds its own node; exactly one exists',
    async (mode) => {
      const { client, observer } = await proxiedAndObserver();
      await client.create('/locks');
      const states: string[] = [];
      client.on('state', (state) => states.push(state));
      const dropped = dropNextReply();
      const reconnected = waitForState(client, 'reconnected');
      const path = await client.create('/locks/lock-', 'me', { mode, protected: true });
      expect(OP_CREATES).toContain((await dropped).type);
      expect(await reconnected).toMatchObject({ sessionChanged: false });
      expect(states).toEqual(['suspended', 'reconnected']);

      expect(path).toMatch(/^\/locks\/_c_[0-9a-f-]{36}-lock-\d{10}$/);
      const { children } = await observer.getChildren('/locks');
      expect(children).toEqual([path.slice('/locks/'.length)]);
      const stat = (await observer.exists(path))!;
      expect(stat.ephemeralOwner !== 0n).toBe(mode === 'ephemeral-sequential');
      expect((await observer.getData(path)).data.toString()).toBe('me');
    },
  );

  test('across a lost session: the old ephemeral is not adopted, one node owned by the new session remains', async () => {
    const { client, observer } = await proxiedAndObserver();
    await client.create('/locks');
    const oldSession = client.sessionId;
    const dropped = dropNextReply();
    const lost = waitForState(client, 'lost');
    const creating = client.create('/locks/lock-', 'me', { mode: 'ephemeral-sequential', protected: true });
    await dropped;
    proxy.rejectConnections(true); // the client cannot come back before its session is gone
    expect(await lost).toMatchObject({ reason: 'suspended-too-long' });
    const reconnected = waitForState(client, 'reconnected');
    proxy.rejectConnections(false);
    expect(await reconnected).toMatchObject({ sessionChanged: true });
    const path = await creating;

    expect(client.sessionId).not.toBe(oldSession);
    const { children } = await observer.getChildren('/locks');
    expect(children).toEqual([path.slice('/locks/'.length)]);
    const owner = (await observer.exists(path))!.ephemeralOwner;
    expect(owner.toString(16).padStart(16, '0')).toBe(client.sessionId);
  });

  test('an unprotected sequential create is not retried: it rejects, and the server did create the node', async () => {
    const { client, observer } = await proxiedAndObserver();
    await client.create('/jobs');
    const dropped = dropNextReply();
    const reconnected = waitForState(client, 'reconnected');
    const error = await client.create('/jobs/job-', 'x', { mode: 'persistent-sequential' }).catch((e: unknown) => e);
    expect(OP_CREATES).toContain((await dropped).type);
    expect(error).toMatchObject({ name: 'ZkError', operation: 'create' });
    expect(['CONNECTION_LOSS', 'OPERATION_TIMEOUT']).toContain((error as { code: string }).code);
    await reconnected;
    // The one attempt was applied; a blind retry would have made a second node.
    expect((await observer.getChildren('/jobs')).children).toHaveLength(1);
  });

  test('an unprotected sequential create with a deadline rejects at the deadline', async () => {
    const { client } = await proxiedAndObserver(4000);
    await client.create('/jobs');
    const dropped = dropNextReply();
    const started = performance.now();
    await rejectsWithCode(client.create('/jobs/job-', 'x', { mode: 'ephemeral-sequential', timeoutMs: 300 }), 'OPERATION_TIMEOUT');
    expect(performance.now() - started).toBeLessThan(scaled(1500));
    await dropped;
  });
});

describe('guaranteed delete', () => {
  test('the delete never reaches the server (stalled link): it is retried in the background after reconnecting', async () => {
    const { client, observer } = await proxiedAndObserver(4000);
    await client.create('/lock', 'held');
    const gone = await watchDeletion(observer, '/lock');

    proxy.stall();
    const failed = await client.delete('/lock', { guaranteed: true, timeoutMs: 300 }).catch((e: unknown) => e);
    expect(failed).toMatchObject({ name: 'ZkError', operation: 'delete', path: '/lock' });
    expect(['CONNECTION_LOSS', 'OPERATION_TIMEOUT']).toContain((failed as { code: string }).code);
    expect(await observer.exists('/lock')).not.toBeNull();

    const reconnected = waitForState(client, 'reconnected');
    await waitForState(client, 'suspended');
    proxy.resume();
    await reconnected;
    expect(await gone.deleted).toEqual({ type: 'deleted', path: '/lock' });
  });

  test('the reply of the delete is dropped: the node is gone and the client does not report a failure', async () => {
    const { client, observer } = await proxiedAndObserver();
    await client.create('/lock', 'held');
    const gone = await watchDeletion(observer, '/lock');
    const dropped = dropNextReply();
    await client.delete('/lock', { guaranteed: true });
    expect((await dropped).type).toBe(OP_DELETE);
    await gone.deleted;
    expect(await observer.exists('/lock')).toBeNull();
  });

  test('a recursive guaranteed delete finishes the whole subtree in the background', async () => {
    const { client, observer } = await proxiedAndObserver(4000);
    for (const path of ['/tree/a/b', '/tree/c']) await client.create(path, '', { createParents: true });
    const gone = await watchDeletion(observer, '/tree');
    proxy.rejectConnections(true);
    const suspended = waitForState(client, 'suspended');
    proxy.cut();
    await suspended;
    await rejectsWithCode(client.delete('/tree', { guaranteed: true, recursive: true, timeoutMs: 200 }), 'CONNECTION_LOSS');
    proxy.rejectConnections(false);
    await gone.deleted;
  });

  test('while disconnected past the deadline, then reconnected: deleted in the background', async () => {
    const { client, observer } = await proxiedAndObserver(4000);
    await client.create('/lock', 'held');
    const gone = await watchDeletion(observer, '/lock');
    proxy.rejectConnections(true);
    const suspended = waitForState(client, 'suspended');
    proxy.cut();
    await suspended;
    await rejectsWithCode(client.delete('/lock', { guaranteed: true, timeoutMs: 200 }), 'CONNECTION_LOSS');
    proxy.rejectConnections(false);
    expect(await waitForState(client, 'reconnected')).toMatchObject({ sessionChanged: false });
    await gone.deleted;
  });
});
