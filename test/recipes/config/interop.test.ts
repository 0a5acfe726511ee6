/**
 * Interop with Apache Curator 5.4 (a real Curator client in a child JVM, test/interop/CuratorPeer.java): our
 * SharedCount and Curator's SharedCount, our AtomicCounter and Curator's DistributedAtomicLong read and write
 * the same node, concurrently, and agree on every value. And kazoo 2.8's `Counter(support_curator=True)` (a
 * real kazoo in a child Python) writes the SharedCount format.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { AtomicCounter, SharedCount } from '../../../src/recipes/config';
import { TestingServer } from '../../../src/testing';
import { scaled } from '../../helpers';
import { Clients } from '../../helpers/clients';
import { CuratorPeer } from '../../interop/curator-peer';

let server: TestingServer;
let curator: CuratorPeer;
const clients = new Clients(() => server.connectString, { prefix: 'config-interop' });

beforeAll(async () => {
  server = await TestingServer.start();
  curator = await CuratorPeer.start(server.connectString, { replyTimeoutMs: scaled(60_000) });
});
beforeEach(() => clients.renew());
afterEach(() => clients.closeAll());
afterAll(async () => {
  await curator?.close();
  await server?.stop();
});

/** The path Curator (which has no namespace) uses for our client's `path`. */
const forCurator = (path: string): string => `${clients.namespace}${path}`;

test("SharedCount: Curator's writes reach ours and ours reach Curator's; concurrent CAS increments lose nothing", async () => {
  const client = await clients.start();
  const ours = new SharedCount(client, '/count', { seedValue: 0 });
  await ours.start();
  expect(await curator.send(`count-get ${forCurator('/count')}`)).toBe('COUNT 0 0');

  expect(await curator.send(`count-set ${forCurator('/count')} 41`)).toBe('SET');
  expect((await ours.waitFor((v) => v?.value === 41))!.version).toBe(1);
  await ours.set(-2);
  await curator.waitForEvent(`count ${forCurator('/count')} -2`);
  expect((await client.getData('/count')).data).toEqual(Buffer.from([0xff, 0xff, 0xff, 0xfe]));

  // Both sides add 1, 100 times each, by compare-and-set on the version each last saw.
  const theirs = curator.send(`count-increment ${forCurator('/count')} 100`);
  for (let done = 0; done < 100; ) {
    const { value, version } = ours.versioned()!;
    if (await ours.trySet(value + 1, version)) done += 1;
    else await ours.waitFor((now) => now !== undefined && now.version > version);
  }
  expect(await theirs).toMatch(/^INCREMENTED \d+$/);
  await ours.waitFor((v) => v?.value === 198);
  // Curator's SharedCount answers from its own cache, which its watch brings up to date: wait for that.
  await curator.waitForEvent(`count ${forCurator('/count')} 198`);
  expect(await curator.send(`count-get ${forCurator('/count')}`)).toMatch(/^COUNT 198 \d+$/);
  await ours.close();
});

test('AtomicCounter and DistributedAtomicLong: same bytes, same values, concurrent increments add up exactly', async () => {
  const client = await clients.start();
  const ours = new AtomicCounter(client, '/long', { retry: { maxTries: 20 } });
  expect(await curator.send(`long-get ${forCurator('/long')}`)).toBe('ATOMIC true 0 0');
  expect(await curator.send(`long-add ${forCurator('/long')} 5000000000`)).toBe('ATOMIC true 0 5000000000');
  expect(await ours.add(-1n)).toMatchObject({ succeeded: true, preValue: 5_000_000_000n, postValue: 4_999_999_999n });
  expect(await curator.send(`long-get ${forCurator('/long')}`)).toBe('ATOMIC true 4999999999 4999999999');
  await ours.forceSet(0);

  const theirs = curator.send(`long-increment ${forCurator('/long')} 200`);
  for (let done = 0; done < 200; ) if ((await ours.increment()).succeeded) done += 1;
  expect(await theirs).toMatch(/^INCREMENTED \d+$/);
  expect((await ours.get()).postValue).toBe(400n);
  expect(await curator.send(`long-get ${forCurator('/long')}`)).toBe('ATOMIC true 400 400');
  expect((await client.getData('/long')).data).toEqual(Buffer.from([0, 0, 0, 0, 0, 0, 1, 0x90]));
});

/** kazoo (Debian's python3-kazoo): adds 1 to a `Counter(path, support_curator=True)` `times` times, prints the value. */
const KAZOO_COUNTER = `
import sys
from kazoo.client import KazooClient
zk = KazooClient(hosts=sys.argv[1])
zk.start()
counter = zk.Counter(sys.argv[2], support_curator=True)
for _ in range(int(sys.argv[3])):
    counter += 1
print(counter.value)
zk.stop()
`;

test("kazoo's Counter(support_curator=True) and our SharedCount count together on the same 4 bytes", async () => {
  const client = await clients.start();
  const ours = new SharedCount(client, '/kazoo-count', { seedValue: 0 });
  await ours.start();
  const kazoo = promisify(execFile)('/usr/bin/python3', ['-c', KAZOO_COUNTER, server.connectString, forCurator('/kazoo-count'), '50'], {
    timeout: scaled(60_000),
  });
  for (let done = 0; done < 50; ) {
    const { value, version } = ours.versioned()!;
    if (await ours.trySet(value + 1, version)) done += 1;
    else await ours.waitFor((now) => now !== undefined && now.version > version);
  }
  await kazoo;
  await ours.waitFor((v) => v?.value === 100);
  expect((await client.getData('/kazoo-count')).data).toEqual(Buffer.from([0, 0, 0, 100]));
  await ours.close();
});
