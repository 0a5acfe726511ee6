/** Failover in a 3-member ensemble: the server a client is connected to dies under a stream of writes. */
import type { PersistentWatchEvent, WatcherChange } from '../../src/client';
import { uniqueNamespace, waitForEvent, waitForState } from '../helpers';
import { sharedCluster } from '../helpers/shared-server';
import { TRANSPORTS, ownNamespaceClients } from './support';

const cluster = sharedCluster({ size: 3 });
describe.each(TRANSPORTS)('%s transport', (transport) => {
  const clients = ownNamespaceClients(() => cluster.connectString, transport);

  afterEach(async () => {
    await clients.closeAll();
    // The next transport's run needs the whole ensemble again.
    for (const member of cluster.servers) if (!member.running) await cluster.restart(member.index);
  });

  /** Index of the member whose `host:port` is `server`. */
  function memberAt(server: string): number {
    const index = [0, 1, 2].find((i) => cluster.connectStringOf(i) === server);
    if (index === undefined) throw new Error(`${server} is not a member of ${cluster.connectString}`);
    return index;
  }

  test('a data watcher keeps up across the death of its server and ends on the final value', async () => {
    const namespace = uniqueNamespace('failover');
    const client = await clients.start({ namespace, sessionTimeoutMs: 8000 });
    await client.create('/value', '0');
    await client.create('/owner', '', { mode: 'ephemeral' });
    const victim = memberAt(client.sessionCredentials()!.server);
    // The writer sits on another member, so that only the watching client fails over.
    const writer = await clients.start({ namespace, connectString: cluster.connectStringOf((victim + 1) % 3) });

    const watcher = client.watchData('/value');
    await watcher.ready();
    const sessionId = client.sessionId;
    const reconnected = waitForState(client, 'reconnected');

    const writes = 150;
    for (let i = 1; i <= writes; i += 1) {
      await writer.setData('/value', String(i));
      if (i === 50) await cluster.kill(victim);
    }
    expect(await reconnected).toEqual({ sessionId, sessionChanged: false });
    expect(memberAt(client.sessionCredentials()!.server)).not.toBe(victim);

    const final = (change: WatcherChange<Buffer>): boolean => change.value?.toString() === String(writes);
    if (!(watcher.current && final(watcher.current))) await waitForEvent(watcher, 'change', final);
    expect(watcher.current!.stat!.version).toBe(writes);
    // The session survived, and with it the ephemeral node.
    expect(await writer.exists('/owner')).not.toBeNull();
  });
});

describe('zk-recipes transport', () => {
  const clients = ownNamespaceClients(() => cluster.connectString, 'zk-recipes');
  afterEach(async () => {
    await clients.closeAll();
    for (const member of cluster.servers) if (!member.running) await cluster.restart(member.index);
  });

  test('SetWatches2 re-registers a recursive watch on the member the session moves to', async () => {
    const namespace = uniqueNamespace('setwatches2');
    const client = await clients.start({ namespace, sessionTimeoutMs: 8000 });
    await client.create('/tree');
    const victim = cluster.servers.find((member) => member.connectString === client.sessionCredentials()!.server)!.index;
    const writer = await clients.start({ namespace, connectString: cluster.connectStringOf((victim + 1) % 3) });
    const watcher = client.addWatch('/tree', { mode: 'persistent-recursive' });
    await watcher.ready();
    const events: PersistentWatchEvent[] = [];
    watcher.on('event', (event) => events.push(event));
    const sessionId = client.sessionId;
    const reconnected = waitForState(client, 'reconnected');
    await cluster.kill(victim);
    expect(await reconnected).toEqual({ sessionId, sessionChanged: false });
    const created = waitForEvent(watcher, 'event', (event: PersistentWatchEvent) => event.type === 'created');
    await writer.create('/tree/after-failover');
    await created;
    expect(events).toEqual([
      { type: 'resync', path: '/tree', sessionChanged: false },
      { type: 'created', path: '/tree/after-failover' },
    ]);
  });
});
