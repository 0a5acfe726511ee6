/**
 * A config centre, end to end, against an embedded ZooKeeper: three services keep their settings in a typed
 * ConfigCache and reload them live when an operator changes them; a bad edit (invalid JSON, then a value the
 * schema refuses) is reported and the services keep running on the last good settings; a feature-flag tree is
 * watched with a TreeCache; a SharedCount hands out build numbers; an AtomicCounter counts requests. One service
 * loses its session on the way and catches up by itself. Run it with `npx tsx examples/config-center.ts`.
 */
import { AtomicCounter, ConfigCache, SharedCount, TreeCache, ZkClient } from '../src';
import { TestingServer } from '../src/testing';

function log(who: string, message: string): void {
  console.log(`${new Date().toISOString().slice(11, 23)} [${who}] ${message}`);
}

/** The settings every service reads. */
interface Settings {
  maxConnections: number;
  greeting: string;
}

function isSettings(value: Settings): boolean {
  return (
    typeof value === 'object' &&
    value !== null &&
    Number.isInteger(value.maxConnections) &&
    value.maxConnections > 0 &&
    typeof value.greeting === 'string'
  );
}

/** A service: its own session, its settings (reloaded live) and the feature flags it follows. */
class Service {
  readonly settings: ConfigCache<Settings>;
  readonly flags: TreeCache;

  constructor(
    readonly name: string,
    readonly client: ZkClient,
  ) {
    this.settings = new ConfigCache<Settings>(client, '/config/settings', {
      validate: isSettings,
      defaultValue: { maxConnections: 10, greeting: 'hello' },
    });
    this.settings.on('change', ({ value, resync }) => log(name, `reloaded settings ${JSON.stringify(value)}${resync ? ' (after a gap)' : ''}`));
    this.settings.on('invalid', (error) => log(name, `ignored a bad edit, still on ${JSON.stringify(this.settings.get())}: ${error.message}`));
    this.flags = new TreeCache(client, '/config/flags');
    this.flags.on('added', ({ node, resync }) => resync && log(name, `flag ${node.path} appeared while away`));
    this.flags.on('updated', ({ node }) => log(name, `flag ${node.path} = ${node.data?.toString()}`));
  }

  async start(): Promise<void> {
    await Promise.all([this.settings.start(), this.flags.start()]);
    log(this.name, `started with ${JSON.stringify(this.settings.get())}, flags ${JSON.stringify(this.flags.children('/config/flags') ?? [])}`);
  }

  async stop(): Promise<void> {
    await Promise.all([this.settings.close(), this.flags.close()]);
  }
}

async function main(): Promise<void> {
  const server = await TestingServer.start();
  const connect = (): Promise<ZkClient> => ZkClient.connect({ connectString: server.connectString, namespace: 'config-center', sessionTimeoutMs: 3000 });
  const operator = await connect();
  const services = await Promise.all(['api', 'worker', 'billing'].map(async (name) => new Service(name, await connect())));
  try {
    await operator.create('/config/flags/dark-mode', 'off', { createParents: true });
    await Promise.all(services.map((service) => service.start()));
    const admin = new ConfigCache<Settings>(operator, '/config/settings', { validate: isSettings });
    await admin.start();

    // 1. The operator changes the settings: every service reloads them.
    await admin.set({ maxConnections: 50, greeting: 'hi' });
    await Promise.all(services.map((s) => s.settings.waitFor((v) => v?.value.maxConnections === 50)));

    // 2. Bad edits made by hand: broken JSON, then a value the schema refuses. Services keep the last good one.
    const reported = services.map((s) => new Promise<void>((resolve) => {
      let bad = 0;
      s.settings.on('invalid', () => (bad += 1) === 2 && resolve());
    }));
    await operator.setData('/config/settings', '{ "maxConnections": 80, ');
    await operator.setData('/config/settings', JSON.stringify({ maxConnections: -1, greeting: 'oops' }));
    await Promise.all(reported);
    await admin.set({ maxConnections: -1, greeting: 'oops' }).catch((error: unknown) => log('operator', `refused before writing: ${error instanceof Error ? error.message : String(error)}`));
    await admin.set({ maxConnections: 80, greeting: 'hey' });

    // 3. A service loses its session (a long pause); meanwhile a flag flips and one is added. It catches up.
    const billing = services[2]!;
    await server.expireSession(billing.client);
    await operator.setData('/config/flags/dark-mode', 'on');
    await operator.create('/config/flags/new-checkout', 'on');
    await new Promise<void>((resolve) => {
      const check = (): void => {
        if (billing.flags.get('/config/flags/new-checkout') === undefined) return;
        billing.flags.off('added', check);
        resolve();
      };
      billing.flags.on('added', check);
      check();
    });
    log('billing', `flags now ${JSON.stringify(billing.flags.children('/config/flags'))}, settings ${JSON.stringify(billing.settings.get())}`);

    // 4. Build numbers (Curator's SharedCount format) and a request counter (DistributedAtomicLong's).
    const builds = new SharedCount(operator, '/config/build', { seedValue: 100 });
    await builds.start();
    const { value, version } = builds.versioned()!;
    log('operator', `build ${value + 1}: ${(await builds.trySet(value + 1, version)) ? 'taken' : 'someone was first'}`);
    const requests = await Promise.all(services.map((s) => new AtomicCounter(s.client, '/stats/requests').increment()));
    log('stats', `requests counted: ${requests.map((r) => r.postValue).sort().join(', ')}`);
    await builds.close();
    await admin.close();
  } finally {
    await Promise.all(services.map((s) => s.stop()));
    await Promise.all([operator, ...services.map((s) => s.client)].map((c) => c.close()));
    await server.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
