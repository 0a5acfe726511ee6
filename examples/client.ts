/**
 * The client on its own: starts an embedded ZooKeeper (a real server, from the local installation), then
 * shows the client's connection states, a re-arming watcher and a session expiry with recovery.
 * Run it with `npx tsx examples/client.ts` (`npm run examples` runs every example).
 */
import { ZkClient } from '../src';
import { TestingServer } from '../src/testing';

function log(section: string, message: string, extra: unknown = ''): void {
  const time = new Date().toISOString().slice(11, 23);
  console.log(`${time} [${section}] ${message}`, extra === '' ? '' : extra);
}

async function main(): Promise<void> {
  log('server', 'starting an embedded ZooKeeper ...');
  const server = await TestingServer.start();
  log('server', `ZooKeeper is serving on ${server.connectString}`);
  const client = new ZkClient({ connectString: server.connectString, namespace: 'demo', sessionTimeoutMs: 4000 });
  try {
    client.on('state', (state, info) => log('client', `state -> ${state}`, info));
    await client.start();

    // A watcher re-arms itself after every change, and re-reads after a reconnect or a new session.
    const watcher = client.watchData('/config');
    watcher.on('change', ({ value, resync }) =>
      log('watch', `/config is ${value === undefined ? '(absent)' : JSON.stringify(value.toString())}${resync ? ' (resync)' : ''}`),
    );
    await watcher.ready();
    await client.create('/config', 'v1');
    await client.setData('/config', 'v2');

    // Ephemeral nodes live as long as the session.
    const member = await client.create('/members/me-', 'hello', { mode: 'ephemeral-sequential', createParents: true, protected: true });
    log('client', `created ephemeral ${member}`);

    // Expire the session the way a long GC pause or a partition would: the client sees 'lost', opens a new
    // session by itself, and the watcher re-reads what changed meanwhile.
    log('server', 'expiring the client session ...');
    const reconnected = new Promise<void>((resolve) =>
      client.on('state', (state, info) => state === 'reconnected' && info.sessionChanged && resolve()),
    );
    await server.expireSession(client);
    await reconnected;
    log('client', `the old ephemeral is gone: exists(${member}) = ${JSON.stringify(await client.exists(member))}`);
    await client.setData('/config', 'v3');
    await waitForValue(watcher, 'v3');

    await watcher.close();
  } finally {
    await client.close();
    await server.stop();
    log('server', 'stopped');
  }
}

function waitForValue(watcher: ReturnType<ZkClient['watchData']>, expected: string): Promise<void> {
  if (watcher.current?.value?.toString() === expected) return Promise.resolve();
  return new Promise((resolve) => {
    const onChange = (change: { value: Buffer | undefined }): void => {
      if (change.value?.toString() !== expected) return;
      watcher.off('change', onChange);
      resolve();
    };
    watcher.on('change', onChange);
  });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
