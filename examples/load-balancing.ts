/**
 * Load balancing through service discovery, end to end, against an embedded ZooKeeper: a few HTTP services
 * (node:http on 127.0.0.1, OS-chosen ports) register themselves, come and go — one joins late, one leaves
 * gracefully, one crashes — while a client calls them round-robin through a ServiceProvider. A failed call is
 * reported with `noteError()` (one error takes an instance out), so the crashed one is called at most a few
 * times, and it leaves the provider's list for good when its ZooKeeper session expires.
 * Run it with `npx tsx examples/load-balancing.ts`.
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { buildUri, ServiceCache, ServiceDiscovery, serviceInstance, ServiceProvider, ZkClient, type ServiceInstance } from '../src';
import { TestingProxy, TestingServer } from '../src/testing';

const SESSION_TIMEOUT_MS = 3000;

function log(who: string, message: string): void {
  console.log(`${new Date().toISOString().slice(11, 23)} [${who}] ${message}`);
}

/** One instance of the `greeter` service: an HTTP server plus its registration, reached through a proxy we can cut. */
class Greeter {
  private constructor(
    readonly id: string,
    private readonly http: http.Server,
    private readonly client: ZkClient,
    private readonly proxy: TestingProxy,
    private readonly discovery: ServiceDiscovery,
  ) {}

  static async start(id: string, connectString: string): Promise<Greeter> {
    const server = http.createServer((_request, response) => response.end(`hello from ${id}`));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const proxy = await TestingProxy.start(connectString);
    const client = await ZkClient.connect({ connectString: proxy.connectString, namespace: 'example', sessionTimeoutMs: SESSION_TIMEOUT_MS });
    const discovery = new ServiceDiscovery(client, { basePath: '/services' });
    await discovery.start();
    const { port } = server.address() as AddressInfo;
    await discovery.register(serviceInstance({ name: 'greeter', id, address: '127.0.0.1', port, uriSpec: '{scheme}://{address}:{port}/' }));
    log(id, `up on port ${port}`);
    return new Greeter(id, server, client, proxy, discovery);
  }

  /** Leaves as a well-behaved service does: unregister first, then stop serving. */
  async leave(): Promise<void> {
    await this.discovery.close();
    await this.stopHttp();
    await this.client.close();
    await this.proxy.close();
    log(this.id, 'left gracefully');
  }

  /** Dies: stops serving at once and loses ZooKeeper too; its session (and registration) expire on the server. */
  async crash(): Promise<void> {
    this.proxy.rejectConnections(true);
    this.proxy.cut();
    await this.stopHttp();
    log(this.id, 'crashed');
  }

  /** After a crash: release what the dead process would never have released. */
  async cleanUp(): Promise<void> {
    await this.discovery.close();
    await this.client.close();
    await this.proxy.close();
  }

  private stopHttp(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.http.close(() => resolve()));
    this.http.closeAllConnections();
    return closed;
  }
}

/** GET `url`, resolving with the body; rejects on any failure (refused, reset, timeout). */
function get(url: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const request = http.get(url, { agent: false, timeout: 1000 }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () => resolve(body));
      response.on('error', reject);
    });
    request.on('timeout', () => request.destroy(new Error('timeout')));
    request.on('error', reject);
  });
}

async function main(): Promise<void> {
  const zookeeper = await TestingServer.start();
  const greeters = new Map<string, Greeter>();
  for (const id of ['a', 'b', 'c']) greeters.set(id, await Greeter.start(id, zookeeper.connectString));

  const callerClient = await ZkClient.connect({ connectString: zookeeper.connectString, namespace: 'example' });
  const discovery = new ServiceDiscovery(callerClient, { basePath: '/services' });
  await discovery.start();
  // One error takes an instance out for 10 s: a dead instance is called about once, not once per turn.
  const provider = new ServiceProvider(discovery, 'greeter', {
    strategy: 'round-robin',
    downInstancePolicy: { errorThreshold: 1, coolDownMs: 10_000 },
  });
  await provider.start();
  const list = new ServiceCache(discovery, 'greeter');
  await list.start();

  const answered = new Map<string, number>();
  const failed = new Map<string, number>();
  let calling = true;
  /** Calls the service every 10 ms; on a failure, notes it and tries another instance right away. */
  const caller = (async () => {
    while (calling) {
      const instance: ServiceInstance = await provider.waitForInstance({ timeoutMs: 10_000 });
      try {
        await get(buildUri(instance));
        answered.set(instance.id, (answered.get(instance.id) ?? 0) + 1);
        await new Promise((resolve) => setTimeout(resolve, 10));
      } catch {
        failed.set(instance.id, (failed.get(instance.id) ?? 0) + 1);
        provider.noteError(instance);
      }
    }
  })();

  try {
    await new Promise((resolve) => setTimeout(resolve, 500));
    greeters.set('d', await Greeter.start('d', zookeeper.connectString));
    await new Promise((resolve) => setTimeout(resolve, 500));
    await greeters.get('b')!.leave();
    await new Promise((resolve) => setTimeout(resolve, 500));
    await greeters.get('c')!.crash();
    const crashedAt = Date.now();
    // The crashed instance stays registered until its session expires (the caller stopped calling it long
    // before): watch the list until it is gone.
    for await (const instances of list) {
      if (!instances.some((instance) => instance.id === 'c')) break;
    }
    log('caller', `c's registration gone ${Date.now() - crashedAt} ms after the crash (session timeout ${SESSION_TIMEOUT_MS} ms)`);
    await new Promise((resolve) => setTimeout(resolve, 300));
  } finally {
    calling = false;
    await caller.catch(() => undefined);
    log('caller', `answers per instance: ${JSON.stringify(Object.fromEntries(answered))}`);
    log('caller', `failed calls per instance: ${JSON.stringify(Object.fromEntries(failed))}`);
    await greeters.get('c')?.cleanUp();
    await Promise.all(['a', 'd'].map(async (id) => greeters.get(id)?.leave()));
    await list.close();
    await provider.close();
    await discovery.close();
    await callerClient.close();
    await zookeeper.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
