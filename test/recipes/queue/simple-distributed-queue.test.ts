/** SimpleDistributedQueue on a real server: Curator's API and node layout, waits, and bad input. */
import { ItemTooLargeError, QueueEmptyError, QueueTimeoutError, SimpleDistributedQueue } from '../../../src/recipes/queue';
import { scaled } from '../../helpers';
import { Clients } from '../../helpers/clients';
import { sharedServer } from '../../helpers/shared-server';

const server = sharedServer();
const clients = new Clients(() => server.connectString, { prefix: 'squeue' });

beforeEach(() => clients.renew());
afterEach(() => clients.closeAll());

test('offer/peek/element/poll/remove/take, FIFO, as raw bytes in <path>/qn-<seq10> nodes', async () => {
  const client = await clients.start();
  const queue = new SimpleDistributedQueue(client, '/simple');
  expect(await queue.peek()).toBeNull();
  expect(await queue.poll()).toBeNull();
  await expect(queue.element()).rejects.toBeInstanceOf(QueueEmptyError);
  await expect(queue.remove()).rejects.toBeInstanceOf(QueueEmptyError);
  for (const word of ['one', 'two', 'three', 'four']) await queue.offer(Buffer.from(word));
  expect((await client.getChildren('/simple')).children.sort()).toEqual(['qn-0000000000', 'qn-0000000001', 'qn-0000000002', 'qn-0000000003']);
  expect((await client.getData('/simple/qn-0000000000')).data.toString()).toBe('one');
  expect((await queue.peek())?.toString()).toBe('one');
  expect((await queue.element()).toString()).toBe('one');
  expect((await queue.poll())?.toString()).toBe('one');
  expect((await queue.remove()).toString()).toBe('two');
  expect((await queue.take()).toString()).toBe('three');
  expect((await queue.take()).toString()).toBe('four');
  expect((await client.getChildren('/simple')).children).toEqual([]);
});

test("a producer's offers keep their order while another client makes the queue node between two of them", async () => {
  const producer = await clients.start();
  const other = await clients.start();
  for (let round = 0; round < 5; round += 1) {
    const path = `/fresh-${round}`;
    // One queue object per offer (as a service making one per request): nothing holds the second back
    // until the first is done, so both are pipelined on the session.
    const first = new SimpleDistributedQueue(producer, path).offer(Buffer.from('first'));
    // Another client makes the queue node now: had the first offer gone out and failed (no queue node yet),
    // the second, sent after this, would succeed before the first is sent again, and take a lower sequence.
    await other.create(path).catch((error: unknown) => {
      if ((error as { code?: string }).code !== 'NODE_EXISTS') throw error;
    });
    const second = new SimpleDistributedQueue(producer, path).offer(Buffer.from('second'));
    await Promise.all([first, second]);
    const names = (await producer.getChildren(path)).children.sort();
    const data = await Promise.all(names.map(async (name) => (await producer.getData(`${path}/${name}`)).data.toString()));
    expect(data).toEqual(['first', 'second']);
  }
});

test('take() waits for an offer from another client; a timeout and an abort end the wait', async () => {
  const client = await clients.start();
  const other = await clients.start();
  const queue = new SimpleDistributedQueue(client, '/waits');
  const waiting = queue.take({ timeoutMs: scaled(20_000) });
  await new SimpleDistributedQueue(other, '/waits').offer(Buffer.from('hi'));
  expect((await waiting).toString()).toBe('hi');
  await expect(queue.take({ timeoutMs: 150 })).rejects.toBeInstanceOf(QueueTimeoutError);
  const controller = new AbortController();
  const aborted = queue.take({ signal: controller.signal });
  controller.abort(new Error('enough'));
  await expect(aborted).rejects.toThrow('enough');
});

test('bad input: oversized bytes and non-bytes are refused before anything is written', async () => {
  const client = await clients.start();
  const queue = new SimpleDistributedQueue(client, '/refuse');
  await expect(queue.offer(Buffer.alloc(1024 * 1024))).rejects.toBeInstanceOf(ItemTooLargeError);
  await expect(queue.offer('text' as never)).rejects.toBeInstanceOf(TypeError);
  expect(await client.exists('/refuse')).toBeNull();
  expect(() => new SimpleDistributedQueue(client, '/')).toThrow(TypeError);
});
