/** Failover in a 3-member ensemble: the server a client is connected to dies under a stream of writes. */
import type { WatcherChange } from '../../src/client';
import { uniqueNamespace, waitForEvent, waitForState } from '../helpers';
import { sharedCluster } from '../helpers/shared-server';
import { ownNamespaceClients } from './support';

const cluster = sharedCluster({ size: 3 });
const clients = ownNamespaceClients(() => cluster.connectString);

afterEach(() => clients.closeAll());

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
