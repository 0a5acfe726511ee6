/**
 * DistributedQueue, DistributedPriorityQueue and DistributedDelayQueue on a real server: order, the take
 * variants, lock-safe hand-back and dead letters, iteration, timeouts and aborts, and bad input.
 */
import {
  DistributedDelayQueue,
  DistributedPriorityQueue,
  DistributedQueue,
  ItemSerializationError,
  ItemTooLargeError,
  QueueTimeoutError,
  type FailureOutcome,
} from '../../../src/recipes/queue';
import { QueueConsumer } from '../../../src/recipes/queue';
import { RecipeStateError } from '../../../src/recipes/shared';
import { eventually, scaled, waitForEvent } from '../../helpers';
import { Clients } from '../../helpers/clients';
import { sharedServer } from '../../helpers/shared-server';

const server = sharedServer();
const clients = new Clients(() => server.connectString, { prefix: 'queue' });

beforeEach(() => clients.renew());
afterEach(() => clients.closeAll());

describe('DistributedQueue', () => {
  test('items come out in the order they were put; poll() on an empty queue is null; size() counts', async () => {
    const client = await clients.start();
    const queue = new DistributedQueue<{ n: number }>(client, '/q');
    expect(await queue.poll()).toBeNull();
    expect(await queue.size()).toBe(0);
    for (let n = 0; n < 5; n += 1) await queue.put({ n });
    await queue.putMany([{ n: 5 }, { n: 6 }]);
    expect(await queue.size()).toBe(7);
    const taken: number[] = [];
    for (let i = 0; i < 7; i += 1) taken.push((await queue.take()).n);
    expect(taken).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(await queue.poll()).toBeNull();
    expect((await client.getChildren('/q')).children).toEqual([]);
    expect((await client.getChildren('/q-locks')).children).toEqual([]);
  });

  test("item nodes are Curator's: <path>/queue-<seq10>; putMany writes its items in one transaction", async () => {
    const client = await clients.start();
    const queue = new DistributedQueue<string>(client, '/layout');
    await queue.put('a');
    await queue.putMany(['b', 'c', 'd']);
    const { children } = await client.getChildren('/layout');
    expect(children.sort()).toEqual(['queue-0000000000', 'queue-0000000001', 'queue-0000000002', 'queue-0000000003']);
    expect((await client.getData('/layout/queue-0000000002')).data.toString()).toBe('"c"');
  });

  test('take() waits for a put; a timeout rejects with QueueTimeoutError and an abort with signal.reason, leaving no claim', async () => {
    const client = await clients.start();
    const producer = await clients.start();
    const queue = new DistributedQueue<string>(client, '/wait');
    const waiting = queue.take({ timeoutMs: scaled(20_000) });
    await new DistributedQueue<string>(producer, '/wait').put('late');
    await expect(waiting).resolves.toBe('late');

    const timedOut = queue.take({ timeoutMs: 200 });
    await expect(timedOut).rejects.toBeInstanceOf(QueueTimeoutError);
    const controller = new AbortController();
    const aborted = queue.take({ signal: controller.signal });
    const reason = new Error('stop');
    controller.abort(reason);
    await expect(aborted).rejects.toBe(reason);
    expect((await client.getChildren('/wait-locks')).children).toEqual([]);
  });

  test('consume(): a handler that throws hands the item back at the tail with its attempt counted', async () => {
    const client = await clients.start();
    const queue = new DistributedQueue<string>(client, '/retry');
    await queue.putMany(['flaky', 'ok']);
    const seen: string[] = [];
    const controller = new AbortController();
    const consumer = new QueueConsumer(queue, (item: string, { attempts }) => {
      seen.push(`${item}#${attempts}`);
      if (item === 'flaky' && attempts < 2) throw new Error('not yet');
      if (seen.length === 4) controller.abort();
    }, { signal: controller.signal });
    const failures: FailureOutcome[] = [];
    consumer.on('failed', (_error, info) => failures.push(info.outcome));
    await consumer.start();
    await consumer.finished;
    expect(seen).toEqual(['flaky#0', 'ok#0', 'flaky#1', 'flaky#2']);
    expect(failures).toEqual(['requeued', 'requeued']);
    expect((await client.getChildren('/retry')).children).toEqual([]);
    expect((await client.getChildren('/retry-locks')).children).toEqual([]);
  });

  test('after maxAttempts an item goes to the dead-letter path, with its attempts in its name', async () => {
    const client = await clients.start();
    const queue = new DistributedQueue<string>(client, '/dl', { maxAttempts: 2, deadLetterPath: '/dl-dead' });
    await queue.put('poison');
    const consumer = new QueueConsumer(queue, () => {
      throw new Error('always fails');
    });
    const outcomes: FailureOutcome[] = [];
    consumer.on('failed', (_error, info) => outcomes.push(info.outcome));
    const deadLettered = waitForEvent(consumer, 'failed', (_error, info: { outcome: FailureOutcome }) => info.outcome === 'dead-lettered');
    await consumer.start();
    await deadLettered;
    await consumer.close();
    expect(outcomes).toEqual(['requeued', 'dead-lettered']);
    const { children } = await client.getChildren('/dl-dead');
    expect(children).toHaveLength(1);
    expect(children[0]).toMatch(/^queue-a2-\d{10}$/);
    expect((await client.getData(`/dl-dead/${children[0]}`)).data.toString()).toBe('"poison"');
    expect((await client.getChildren('/dl')).children).toEqual([]);
  });

  test('for await hands out items in order; leaving the loop gives the current item back', async () => {
    const client = await clients.start();
    const queue = new DistributedQueue<number>(client, '/iter');
    await queue.putMany([1, 2, 3]);
    const seen: number[] = [];
    for await (const n of queue) {
      seen.push(n);
      if (n === 2) break;
    }
    expect(seen).toEqual([1, 2]);
    // 1 was acknowledged when the loop asked for 2; 2 was given back; nothing stays claimed.
    await expect(queue.take({ timeoutMs: scaled(10_000) })).resolves.toBe(2);
    await expect(queue.take({ timeoutMs: scaled(10_000) })).resolves.toBe(3);
    expect((await client.getChildren('/iter-locks')).children).toEqual([]);
  });

  test('at-most-once mode removes items before handing them out, and takes no claims', async () => {
    const client = await clients.start();
    const queue = new DistributedQueue<string>(client, '/amo', { mode: 'at-most-once' });
    await queue.putMany(['x', 'y']);
    expect(await queue.take()).toBe('x');
    expect(await queue.poll()).toBe('y');
    expect(await client.exists('/amo-locks')).toBeNull();
  });

  describe('bad input: typed errors, nothing written', () => {
    test('an item over the node limit', async () => {
      const client = await clients.start();
      const queue = new DistributedQueue<string>(client, '/big');
      await expect(queue.put('x'.repeat(1024 * 1024))).rejects.toBeInstanceOf(ItemTooLargeError);
      await expect(queue.putMany(['small', 'y'.repeat(600_000), 'z'.repeat(600_000)])).rejects.toBeInstanceOf(ItemTooLargeError);
      expect(await client.exists('/big')).toBeNull();
    });

    test('items the codec cannot encode', async () => {
      const client = await clients.start();
      const queue = new DistributedQueue<unknown>(client, '/bad');
      const cyclic: Record<string, unknown> = {};
      cyclic.self = cyclic;
      await expect(queue.put(cyclic)).rejects.toBeInstanceOf(ItemSerializationError);
      await expect(queue.put(10n)).rejects.toBeInstanceOf(ItemSerializationError);
      await expect(queue.put(undefined)).rejects.toBeInstanceOf(ItemSerializationError);
      await expect(queue.putMany(['fine', () => 1])).rejects.toBeInstanceOf(ItemSerializationError);
      expect(await client.exists('/bad')).toBeNull();
    });

    test('options and arguments, checked in the constructor and before anything is sent', async () => {
      const client = await clients.start();
      expect(() => new DistributedQueue(client, '/')).toThrow(TypeError);
      expect(() => new DistributedQueue(client, 'relative')).toThrow(TypeError);
      expect(() => new DistributedQueue(client, '/q', { mode: 'sometimes' as never })).toThrow(/mode/);
      expect(() => new DistributedQueue(client, '/q', { maxAttempts: 0, deadLetterPath: '/d' })).toThrow(RangeError);
      expect(() => new DistributedQueue(client, '/q', { maxAttempts: 3 })).toThrow(/deadLetterPath/);
      expect(() => new DistributedQueue(client, '/q', { lockPath: '/q/locks' })).toThrow(RangeError);
      expect(() => new DistributedQueue(undefined as never, '/q')).toThrow(TypeError);
      const queue = new DistributedQueue(client, '/q');
      await expect(queue.take({ timeoutMs: -1 })).rejects.toBeInstanceOf(RangeError);
      await expect(queue.consume(() => undefined, { concurrency: 0 })).rejects.toBeInstanceOf(RangeError);
      await expect(new DistributedPriorityQueue(client, '/p').put('x', 1.5)).rejects.toBeInstanceOf(TypeError);
      await expect(new DistributedDelayQueue(client, '/d').put('x', -5)).rejects.toBeInstanceOf(RangeError);
      expect(await client.exists('/q')).toBeNull();
    });
  });
});

describe('session expiry', () => {
  test("a consumer whose session expires mid-handler: the item is delivered again, and the late acknowledgement of the old session removes nothing", async () => {
    const [a, b] = await clients.startMany(2);
    const seen: string[] = [];
    let releaseA!: () => void;
    const aBlocked = new Promise<void>((resolve) => (releaseA = resolve));
    let firstDelivery!: () => void;
    const aHasIt = new Promise<void>((resolve) => (firstDelivery = resolve));
    let secondDelivery!: () => void;
    const deliveredAgain = new Promise<void>((resolve) => (secondDelivery = resolve));
    const record = (who: string, item: string): void => {
      seen.push(`${who}:${item}`);
      if (seen.length === 1) firstDelivery();
      if (seen.length === 2) secondDelivery();
    };
    const consumerA = new QueueConsumer(new DistributedQueue<string>(a!, '/expire'), async (item: string) => {
      record('a', item);
      if (seen.length === 1) await aBlocked; // the first delivery outlives its session
    });
    await consumerA.start();
    await new DistributedQueue<string>(b!, '/expire').put('job');
    await aHasIt;
    // B, or A's own take made ahead in A's next session, gets it once A's claim is gone with its session.
    const consumerB = new QueueConsumer(new DistributedQueue<string>(b!, '/expire'), (item: string) => record('b', item));
    await consumerB.start();
    await server.expireSession(a!);
    releaseA(); // A's first handler returns after its session ended: its acknowledgement must not remove the item
    await deliveredAgain;
    await consumerA.close();
    await consumerB.close();
    expect(seen).toHaveLength(2);
    expect(seen[0]).toBe('a:job');
    expect((await b!.getChildren('/expire')).children).toEqual([]);
    expect((await b!.getChildren('/expire-locks')).children).toEqual([]);
  });
});

describe('QueueConsumer lifecycle', () => {
  test('start() twice rejects, close() is shared and idempotent, a closed client rejects start(), claims made ahead go back', async () => {
    const client = await clients.start();
    const listeners = client.listenerCount('state');
    const queue = new DistributedQueue<number>(client, '/life');
    await queue.putMany([1, 2, 3]);
    let release!: () => void;
    const blocked = new Promise<void>((resolve) => (release = resolve));
    const handled: number[] = [];
    const consumer = new QueueConsumer(queue, async (n: number) => {
      handled.push(n);
      await blocked;
    });
    await consumer.start();
    await expect(consumer.start()).rejects.toBeInstanceOf(RecipeStateError);
    await eventually(() => handled.length > 0);
    const closing = [consumer.close(), consumer.close()];
    release();
    await Promise.all(closing);
    expect(consumer.state).toBe('closed');
    await consumer.finished;
    // The item being handled was acknowledged; the one claimed ahead went back untouched.
    expect((await client.getChildren('/life-locks')).children).toEqual([]);
    expect(await queue.size()).toBe(3 - handled.length);
    expect(client.listenerCount('state')).toBe(listeners);

    // An idle consumer (waiting on an empty queue) leaves nothing on the client either.
    const idle = new QueueConsumer(new DistributedQueue<number>(client, '/idle'), () => undefined, { concurrency: 4 });
    await idle.start();
    await eventually(async () => (await client.exists('/idle')) !== null || client.listenerCount('state') > listeners);
    await idle.close();
    expect(client.listenerCount('state')).toBe(listeners);

    const closed = await clients.start();
    await closed.close();
    const late = new QueueConsumer(new DistributedQueue<number>(closed, '/life'), () => undefined);
    await expect(late.start()).rejects.toMatchObject({ code: 'CLIENT_CLOSED' });
  });
});

describe('DistributedPriorityQueue', () => {
  test("lower priorities first, FIFO within one; names are Curator's queue-<p><hex8><seq10>", async () => {
    const client = await clients.start();
    const queue = new DistributedPriorityQueue<string>(client, '/prio');
    await queue.put('low-1', 10);
    await queue.put('urgent', -3);
    await queue.put('low-2', 10);
    await queue.put('normal', 0);
    const names = (await client.getChildren('/prio')).children.sort();
    expect(names[0]).toMatch(/^queue-0FFFFFFFD\d{10}$/);
    expect(names).toContainEqual(expect.stringMatching(/^queue-10000000A\d{10}$/));
    const out: string[] = [];
    for (let i = 0; i < 4; i += 1) out.push(await queue.take());
    expect(out).toEqual(['urgent', 'normal', 'low-1', 'low-2']);
  });
});

describe('DistributedDelayQueue', () => {
  test('an item is not handed out before its time; earlier due times first', async () => {
    const client = await clients.start();
    const queue = new DistributedDelayQueue<string>(client, '/delay');
    const start = Date.now();
    await queue.put('later', start + 800);
    await queue.put('sooner', start + 300);
    await queue.put('now', start);
    expect((await client.getChildren('/delay')).children.every((name) => /^queue-\|[0-9A-F]+\|\d{10}$/.test(name))).toBe(true);
    expect(await queue.take({ timeoutMs: scaled(10_000) })).toBe('now');
    expect(await queue.poll()).toBeNull();
    expect(await queue.take({ timeoutMs: scaled(10_000) })).toBe('sooner');
    expect(Date.now()).toBeGreaterThanOrEqual(start + 300);
    expect(await queue.take({ timeoutMs: scaled(10_000) })).toBe('later');
    expect(Date.now()).toBeGreaterThanOrEqual(start + 800);
  });
});
