/**
 * close() leaves nothing behind: no socket, no timer. Clients go through start, operations, watchers,
 * background deletes, disconnection and failed starts; afterwards the process holds exactly the resources
 * it held before.
 */
import { ZkClient } from '../../src/client';
import { TestingProxy } from '../../src/testing';
import { scaled, uniqueNamespace, waitForState } from '../helpers';
import { leavesNothingBehind } from '../helpers/resources';
import { sharedServer } from '../helpers/shared-server';

const server = sharedServer();

test('a client that started, worked, watched and closed', async () => {
  await leavesNothingBehind(async () => {
    const client = await ZkClient.connect({ connectString: server.connectString, namespace: uniqueNamespace('handles'), sessionTimeoutMs: 3000 });
    await client.create('/a', 'x', { mode: 'ephemeral' });
    await client.getData('/a', { watch: () => undefined, timeoutMs: 5000 });
    await client.transaction().setData('/a', 'y').commit();
    const data = client.watchData('/a');
    const children = client.watchChildren('/');
    const exists = client.watchExists('/b');
    await Promise.all([data.ready(), children.ready(), exists.ready()]);
    const iterating = (async () => {
      for await (const _ of data) continue; // drain until the client closes
    })();
    const states = (async () => {
      for await (const _ of client.states()) continue;
    })();
    await client.setData('/a', 'z');
    await client.close();
    await Promise.all([iterating, states]);
  });
});

test('a client closed while disconnected, with waiting operations and a pending guaranteed delete', async () => {
  const proxy = await TestingProxy.start(server.connectString);
  await leavesNothingBehind(async () => {
    const client = await ZkClient.connect({ connectString: proxy.connectString, namespace: uniqueNamespace('handles'), sessionTimeoutMs: 3000 });
    await client.create('/lock');
    client.watchData('/lock');
    proxy.rejectConnections(true);
    const suspended = waitForState(client, 'suspended');
    proxy.cut();
    await suspended;
    await client.delete('/lock', { guaranteed: true, timeoutMs: 100 }).catch(() => undefined);
    const waiting = client.getData('/lock', { timeoutMs: 60_000 }).catch(() => undefined);
    const waitingForever = client.exists('/lock', { signal: new AbortController().signal }).catch(() => undefined);
    await client.close();
    await Promise.all([waiting, waitingForever]);
    await proxy.close();
  });
});

test('a client whose start timed out, and one closed before it ever connected', async () => {
  const proxy = await TestingProxy.start(server.connectString);
  const deadEnd = proxy.connectString;
  await proxy.close();
  await leavesNothingBehind(async () => {
    const failed = new ZkClient({ connectString: deadEnd, connectionTimeoutMs: 300 });
    await failed.start().catch(() => undefined);
    const abandoned = new ZkClient({ connectString: deadEnd, connectionTimeoutMs: 60_000 });
    const starting = abandoned.start().catch(() => undefined);
    await abandoned.close();
    await starting;
    const neverStarted = new ZkClient({ connectString: deadEnd });
    await neverStarted.close();
  });
});

test('a client that lost its session and got a new one', async () => {
  await leavesNothingBehind(async () => {
    const client = await ZkClient.connect({ connectString: server.connectString, namespace: uniqueNamespace('handles'), sessionTimeoutMs: 3000 });
    const watcher = client.watchChildren('/');
    await watcher.ready();
    const reconnected = waitForState(client, 'reconnected', (info) => info.sessionChanged === true);
    await server.expireSession(client);
    await reconnected;
    await client.create('/after');
    await client.close();
  });
});

test('a client closed from its own lost listener', async () => {
  await leavesNothingBehind(async () => {
    const client = await ZkClient.connect({ connectString: server.connectString, sessionTimeoutMs: 3000 });
    const closed = new Promise<void>((resolve) => {
      client.on('state', (state) => {
        if (state === 'lost') void client.close().then(resolve);
      });
    });
    await server.expireSession(client);
    await closed;
    expect(client.state).toBe('closed');
  });
});

describe('over TLS', () => {
  const tlsServer = sharedServer({ tls: { clientAuth: 'need' } });

  test('a TLS client that started, worked and closed, and starts that failed the TLS handshake', async () => {
    await leavesNothingBehind(async () => {
      const client = await ZkClient.connect({ connectString: tlsServer.connectString, tls: tlsServer.tls!.clientOptions(), sessionTimeoutMs: 3000 });
      await client.create(uniqueNamespace('handles'), 'x', { mode: 'ephemeral' });
      await client.close();
      for (const tls of [{ ca: tlsServer.tls!.ca }, true]) {
        const refused = new ZkClient({ connectString: tlsServer.connectString, tls, connectionTimeoutMs: scaled(8000) });
        await expect(refused.start()).rejects.toMatchObject({ code: 'TLS_FAILED' });
      }
    });
  });
});
