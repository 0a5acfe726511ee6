/**
 * Interop with Apache Curator 5.x's SimpleDistributedQueue (a real Curator client in a child JVM,
 * test/interop/CuratorPeer.java): items Curator offers are taken by ours, in order, and items we offer are
 * polled by Curator, in order — while both take from one queue, each item goes to exactly one of them.
 */
import { SimpleDistributedQueue } from '../../../src/recipes/queue';
import { scaled } from '../../helpers';
import { Clients } from '../../helpers/clients';
import { sharedCuratorPeer, sharedServer } from '../../helpers/shared-server';

const server = sharedServer();
const curator = sharedCuratorPeer(server, { replyTimeoutMs: scaled(60_000) });
const clients = new Clients(() => server.connectString, { prefix: 'qinterop' });

beforeEach(() => clients.renew());
afterEach(() => clients.closeAll());

/** The path Curator (which has no namespace) uses for our client's `path`. */
const forCurator = (path: string): string => `${clients.namespace}${path}`;

test("Curator offers, we take, in Curator's order", async () => {
  const client = await clients.start();
  const queue = new SimpleDistributedQueue(client, '/from-java');
  for (let i = 0; i < 20; i += 1) expect(await curator.send(`queue-offer ${forCurator('/from-java')} java-${i}`)).toBe('OFFERED');
  const taken: string[] = [];
  for (let i = 0; i < 20; i += 1) taken.push((await queue.take({ timeoutMs: scaled(10_000) })).toString());
  expect(taken).toEqual(Array.from({ length: 20 }, (_, i) => `java-${i}`));
  expect(await queue.poll()).toBeNull();
});

test('we offer, Curator polls, in our order; a Curator poll waits for our offer', async () => {
  const client = await clients.start();
  const queue = new SimpleDistributedQueue(client, '/from-node');
  for (let i = 0; i < 20; i += 1) await queue.offer(Buffer.from(`node-${i}`));
  for (let i = 0; i < 20; i += 1) expect(await curator.send(`queue-poll ${forCurator('/from-node')}`)).toBe(`ITEM node-${i}`);
  expect(await curator.send(`queue-poll ${forCurator('/from-node')}`)).toBe('EMPTY');
  const waiting = curator.send(`queue-poll ${forCurator('/from-node')} ${scaled(20_000)}`);
  await queue.offer(Buffer.from('late'));
  expect(await waiting).toBe('ITEM late');
});

test('Curator and we take from one queue: every item goes to exactly one of us', async () => {
  const client = await clients.start();
  const queue = new SimpleDistributedQueue(client, '/shared');
  const items = Array.from({ length: 60 }, (_, i) => `item-${i}`);
  for (const item of items) await queue.offer(Buffer.from(item));
  const ours: string[] = [];
  const theirs: string[] = [];
  const javaSide = (async () => {
    for (;;) {
      const reply = await curator.send(`queue-poll ${forCurator('/shared')}`);
      if (reply === 'EMPTY') return;
      theirs.push(reply.slice('ITEM '.length));
    }
  })();
  for (;;) {
    const data = await queue.poll();
    if (data === null) break;
    ours.push(data.toString());
  }
  await javaSide;
  expect([...ours, ...theirs].sort()).toEqual([...items].sort());
  expect(ours.length + theirs.length).toBe(items.length);
});
