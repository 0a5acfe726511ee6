/**
 * DistributedBarrier and DoubleBarrier on a real server: ten members entering and leaving together, one of
 * them dying before it leaves, timeouts and aborts that leave no node behind, and bad input.
 */
import { BarrierTimeoutError, DistributedBarrier, DoubleBarrier } from '../../../src/recipes/barrier';
import { eventually, scaled } from '../../helpers';
import { Clients } from '../../helpers/clients';
import { sharedServer } from '../../helpers/shared-server';

const server = sharedServer();
const clients = new Clients(() => server.connectString, { prefix: 'barrier' });

beforeEach(() => clients.renew());
afterEach(() => clients.closeAll());

/** Tracks whether a promise has settled, without awaiting it. */
function track<T>(promise: Promise<T>): { promise: Promise<T>; settled: () => boolean } {
  let settled = false;
  void promise.then(
    () => (settled = true),
    () => (settled = true),
  );
  return { promise, settled: () => settled };
}

describe('DistributedBarrier', () => {
  test('wait() passes at once when not set, holds waiters while set, releases them all on remove()', async () => {
    const [coordinator, ...workers] = await clients.startMany(4);
    const gate = new DistributedBarrier(coordinator!, '/gates/deploy');
    await gate.wait({ timeoutMs: scaled(5000) });
    await gate.set();
    await gate.set(); // idempotent
    const waits = workers.map((client) => track(new DistributedBarrier(client, '/gates/deploy').wait({ timeoutMs: scaled(30_000) })));
    await expect(new DistributedBarrier(coordinator!, '/gates/deploy').wait({ timeoutMs: 200 })).rejects.toBeInstanceOf(BarrierTimeoutError);
    expect(waits.some((wait) => wait.settled())).toBe(false);
    await gate.remove();
    await Promise.all(waits.map((wait) => wait.promise));
    await gate.remove(); // idempotent
  });

  test('an aborted wait rejects with the reason', async () => {
    const client = await clients.start();
    const gate = new DistributedBarrier(client, '/gates/abort');
    await gate.set();
    const controller = new AbortController();
    const waiting = gate.wait({ signal: controller.signal });
    controller.abort(new Error('called off'));
    await expect(waiting).rejects.toThrow('called off');
  });
});

describe('DoubleBarrier', () => {
  test('10 members: nobody passes enter() before the tenth; one dies before leaving; the others leave, nothing stays', async () => {
    const members = await clients.startMany(10);
    const barriers = members.map((client, i) => new DoubleBarrier(client, '/batch', { memberCount: 10, id: `m${i}` }));
    const first = barriers.slice(0, 9).map((barrier) => track(barrier.enter({ timeoutMs: scaled(60_000) })));
    const admin = members[0]!;
    await eventually(async () => (await admin.getChildren('/batch').catch(() => ({ children: [] }))).children.length === 9);
    expect(first.some((enter) => enter.settled())).toBe(false);
    await barriers[9]!.enter({ timeoutMs: scaled(60_000) });
    await Promise.all(first.map((enter) => enter.promise));
    expect((await admin.getChildren('/batch')).children.sort()).toEqual([...barriers.map((b) => b.id), 'ready'].sort());

    // m9 dies in the batch: its session ends without a leave().
    await server.expireSession(members[9]!);
    await Promise.all(barriers.slice(0, 9).map((barrier) => barrier.leave({ timeoutMs: scaled(60_000) })));
    expect((await admin.getChildren('/batch')).children).toEqual([]);
  });

  test('leave() waits for the members still in', async () => {
    const [a, b] = await clients.startMany(2);
    const first = new DoubleBarrier(a!, '/pair', { memberCount: 2 });
    const second = new DoubleBarrier(b!, '/pair', { memberCount: 2 });
    await Promise.all([first.enter(), second.enter()]);
    const leaving = track(first.leave({ timeoutMs: scaled(30_000) }));
    await eventually(async () => (await a!.getChildren('/pair')).children.length === 2); // second + ready
    expect(leaving.settled()).toBe(false);
    await second.leave({ timeoutMs: scaled(30_000) });
    await leaving.promise;
    expect((await a!.getChildren('/pair')).children).toEqual([]);
  });

  test('a timed-out or aborted enter() leaves no node behind', async () => {
    const client = await clients.start();
    const barrier = new DoubleBarrier(client, '/lonely', { memberCount: 3 });
    await expect(barrier.enter({ timeoutMs: 300 })).rejects.toBeInstanceOf(BarrierTimeoutError);
    expect((await client.getChildren('/lonely')).children).toEqual([]);
    const controller = new AbortController();
    const entering = barrier.enter({ signal: controller.signal });
    await eventually(async () => (await client.getChildren('/lonely')).children.length === 1);
    controller.abort(new Error('give up'));
    await expect(entering).rejects.toThrow('give up');
    expect((await client.getChildren('/lonely')).children).toEqual([]);
  });

  test('a timed-out leave() has removed its own node already', async () => {
    const [a, b] = await clients.startMany(2);
    const first = new DoubleBarrier(a!, '/stuck', { memberCount: 2, id: 'first' });
    const second = new DoubleBarrier(b!, '/stuck', { memberCount: 2, id: 'second' });
    await Promise.all([first.enter(), second.enter()]);
    await expect(first.leave({ timeoutMs: 300 })).rejects.toBeInstanceOf(BarrierTimeoutError);
    expect((await a!.getChildren('/stuck')).children.sort()).toEqual(['ready', 'second']);
  });

  test('bad input: memberCount < 1, a non-integer, a bad id; calls in the wrong state', async () => {
    const client = await clients.start();
    expect(() => new DoubleBarrier(client, '/bad', { memberCount: 0 })).toThrow(RangeError);
    expect(() => new DoubleBarrier(client, '/bad', { memberCount: -2 })).toThrow(RangeError);
    expect(() => new DoubleBarrier(client, '/bad', { memberCount: 1.5 })).toThrow(TypeError);
    expect(() => new DoubleBarrier(client, '/bad', {} as never)).toThrow(TypeError);
    expect(() => new DoubleBarrier(client, '/bad', { memberCount: 2, id: 'ready' })).toThrow(TypeError);
    expect(() => new DoubleBarrier(client, '/', { memberCount: 2 })).toThrow(TypeError);
    const barrier = new DoubleBarrier(client, '/bad', { memberCount: 1 });
    await expect(barrier.leave()).rejects.toThrow(/leave\(\) called while out/);
    expect(await client.exists('/bad')).toBeNull();
    await barrier.enter();
    await expect(barrier.enter()).rejects.toThrow(/enter\(\) called while in/);
    await barrier.leave();
  });
});
