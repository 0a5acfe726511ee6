/**
 * Fenced puts on a real server: a put guarded by a lock or a leadership is written only while the guard's
 * node stands; a refused put rejects with HoldLostError and writes nothing; guarded and unguarded puts made
 * in the same tick never fail or pass for one another.
 */
import type { ZkClient } from '../../../src/client';
import { LeaderLatch } from '../../../src/recipes/leader';
import { Mutex } from '../../../src/recipes/lock';
import { DistributedDelayQueue, DistributedPriorityQueue, DistributedQueue, SimpleDistributedQueue } from '../../../src/recipes/queue';
import { HoldLostError, type Guard } from '../../../src/recipes/shared';
import { scaled, waitForEvent, waitForState } from '../../helpers';
import { Clients } from '../../helpers/clients';
import { sharedServer } from '../../helpers/shared-server';
import { rejection } from '../lock/support';

const server = sharedServer();
const clients = new Clients(() => server.connectString, { prefix: 'queue' });
const latches: LeaderLatch[] = [];

beforeEach(() => clients.renew());
afterEach(async () => {
  await Promise.all(latches.splice(0).map((latch) => latch.close()));
  await clients.closeAll();
});

/** The data of every item under `path`, sorted. */
async function items(client: ZkClient, path: string): Promise<string[]> {
  const { children } = await client.getChildren(path);
  const data = await Promise.all(children.map(async (name) => (await client.getData(`${path}/${name}`)).data.toString()));
  return data.sort();
}

/** A HoldLostError with `reason`. */
function expectHoldLost(error: unknown, reason: string): void {
  expect(error).toBeInstanceOf(HoldLostError);
  expect((error as HoldLostError).reason).toBe(reason);
}

test('a put guarded by a lock lands while it is held; after the release it rejects and writes nothing', async () => {
  const client = await clients.start();
  const queue = new DistributedQueue<string>(client, '/jobs');
  const handle = await new Mutex(client, '/locks/producer').acquire();
  await queue.put('held', { guard: handle });
  await queue.putMany(['many-1', 'many-2'], { guard: handle });
  expect(await items(client, '/jobs')).toEqual(['"held"', '"many-1"', '"many-2"']);

  await handle.release();
  expectHoldLost(await rejection(queue.put('late', { guard: handle })), 'released');
  expectHoldLost(await rejection(queue.putMany(['late-1', 'late-2'], { guard: handle })), 'released');
  expect(await items(client, '/jobs')).toEqual(['"held"', '"many-1"', '"many-2"']);
});

test('a lock whose session expired fences on the server: the check fails, the put rejects, nothing is written', async () => {
  const client = await clients.start();
  const queue = new DistributedQueue<string>(client, '/jobs');
  await queue.put('before');
  const handle = await new Mutex(client, '/locks/producer').acquire();
  const renewed = waitForState(client, 'reconnected', (info) => info.sessionChanged === true);
  await server.expireSession(client);
  await renewed;
  // Not released: the handle still gives out a guarded transaction, and the server refuses it.
  const error = await rejection(queue.put('stale', { guard: handle }));
  expectHoldLost(error, 'node-deleted');
  expect((error as HoldLostError).cause).toMatchObject({ code: 'NO_NODE', failedOp: 0 });
  expect(await items(client, '/jobs')).toEqual(['"before"']);
  await handle.release();
});

test("a put guarded by a leadership lands while leading; after the leader's session expired it rejects and writes nothing", async () => {
  const [leaderClient, other] = await clients.startMany(2);
  const latch = new LeaderLatch(leaderClient!, '/election', { id: 'producer' });
  latches.push(latch);
  await latch.start();
  const term = await latch.waitForLeadership({ timeoutMs: scaled(10_000) });
  const queue = new DistributedQueue<string>(leaderClient!, '/jobs');
  await queue.put('leading', { guard: term });

  const stepDown = waitForEvent(latch, 'notLeader');
  const renewed = waitForState(leaderClient!, 'reconnected', (info) => info.sessionChanged === true);
  await server.expireSession(leaderClient!);
  const [reason] = await stepDown;
  await renewed;
  expectHoldLost(await rejection(queue.put('deposed', { guard: term })), reason as string);
  expect(await items(other!, '/jobs')).toEqual(['"leading"']);
});

test('guarded and unguarded puts in the same tick: unguarded ones all land, guarded ones only while their guard holds', async () => {
  const [client, other] = await clients.startMany(2);
  const queue = new DistributedQueue<string>(client!, '/mixed');
  await queue.put('first'); // the queue exists: the batches below are transactions of creates
  const held = await new Mutex(client!, '/locks/held').acquire();
  const stale = await new Mutex(client!, '/locks/stale').acquire();
  await other!.delete(stale.path); // gone on the server, unknown to the holder's handle (not released)

  const puts: Array<[string, Promise<void>]> = [];
  const put = (item: string, guard?: Guard): void => {
    puts.push([item, queue.put(item, guard === undefined ? undefined : { guard })]);
  };
  put('u1');
  put('u2');
  put('held-1', held);
  put('stale-1', stale);
  put('held-2', held);
  put('stale-2', stale);
  put('stale-3', stale);
  put('u3');
  put('held-3', held);
  put('u4');
  const settled = await Promise.allSettled(puts.map(([, promise]) => promise));
  const outcome = Object.fromEntries(puts.map(([item], i) => [item, settled[i]!.status]));
  expect(outcome).toEqual({
    u1: 'fulfilled',
    u2: 'fulfilled',
    'held-1': 'fulfilled',
    'stale-1': 'rejected',
    'held-2': 'fulfilled',
    'stale-2': 'rejected',
    'stale-3': 'rejected',
    u3: 'fulfilled',
    'held-3': 'fulfilled',
    u4: 'fulfilled',
  });
  for (const result of settled) if (result.status === 'rejected') expectHoldLost(result.reason, 'node-deleted');
  expect(await items(other!, '/mixed')).toEqual(['"first"', '"held-1"', '"held-2"', '"held-3"', '"u1"', '"u2"', '"u3"', '"u4"'].sort());
  await held.release();
  await stale.release();
});

test('the priority and delay queues and SimpleDistributedQueue take the same guard option', async () => {
  const client = await clients.start();
  const handle = await new Mutex(client, '/locks/producer').acquire();
  const priority = new DistributedPriorityQueue<string>(client, '/prio');
  const delay = new DistributedDelayQueue<string>(client, '/delay');
  const simple = new SimpleDistributedQueue(client, '/simple');
  await priority.put('p', 1, { guard: handle });
  await priority.putMany(['p1', 'p2'], 2, { guard: handle });
  await delay.put('d', Date.now(), { guard: handle });
  await delay.putMany(['d1'], Date.now(), { guard: handle });
  await simple.offer(Buffer.from('s'), { guard: handle });
  await priority.put('unguarded', 0);
  await handle.release();
  expectHoldLost(await rejection(priority.put('late', 1, { guard: handle })), 'released');
  expectHoldLost(await rejection(delay.putMany(['late'], Date.now(), { guard: handle })), 'released');
  expectHoldLost(await rejection(simple.offer(Buffer.from('late'), { guard: handle })), 'released');
  expect(await items(client, '/prio')).toEqual(['"p"', '"p1"', '"p2"', '"unguarded"']);
  expect(await items(client, '/delay')).toEqual(['"d"', '"d1"']);
  expect(await items(client, '/simple')).toEqual(['s']);
});

test('bad input: a guard that is not a hold is refused before anything is written', async () => {
  const client = await clients.start();
  const queue = new DistributedQueue<string>(client, '/bad');
  await expect(queue.put('x', { guard: {} as Guard })).rejects.toThrow(TypeError);
  await expect(queue.putMany(['x'], { guard: { guardedTransaction: () => null } as unknown as Guard })).rejects.toThrow(TypeError);
  await expect(queue.put('x', 'nope' as never)).rejects.toThrow(TypeError);
  expect(await client.exists('/bad')).toBeNull();
});
