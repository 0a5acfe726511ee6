/** LeaderSelector against a real server: turns at a Curator-compatible mutex, requeue, interrupts, suspension. */
import type { ZkClient } from '../../../src/client';
import { LeaderSelector, type LeaderSelectorOptions } from '../../../src/recipes/leader';
import { HoldLostError } from '../../../src/recipes/shared';
import { RecipeStateError } from '../../../src/recipes/shared/errors';
import { TestingProxy } from '../../../src/testing';
import { scaled, waitForEvent } from '../../helpers';
import { Clients } from '../../helpers/clients';
import { sharedServer } from '../../helpers/shared-server';
import { expectOneLeaderAtATime, LeadershipChecker, waitForParticipants } from './support';

const server = sharedServer();
const clients = new Clients(() => server.connectString, { prefix: 'recipe' });
const selectors: LeaderSelector[] = [];

function selector(client: ZkClient, id: string, options: Partial<LeaderSelectorOptions> = {}): LeaderSelector {
  const made = new LeaderSelector(client, '/scheduler', { id, takeLeadership: () => undefined, ...options });
  selectors.push(made);
  return made;
}

/** A takeLeadership that holds until its signal aborts or `release()` is called. */
function holding() {
  const runs: Array<{ signal: AbortSignal; token: bigint; release: () => void }> = [];
  const takeLeadership = (signal: AbortSignal, { fencingToken }: { fencingToken: bigint }) =>
    new Promise<void>((resolve) => {
      runs.push({ signal, token: fencingToken, release: resolve });
      signal.addEventListener('abort', () => resolve(), { once: true });
    });
  return { runs, takeLeadership };
}

/** A selector whose takeLeadership holds (see {@link holding}), started; resolves once it leads. */
async function leading(client: ZkClient, id: string, options: Partial<LeaderSelectorOptions> = {}) {
  const h = holding();
  const s = selector(client, id, { takeLeadership: h.takeLeadership, ...options });
  const first = waitForEvent(s, 'isLeader');
  await s.start();
  await first;
  return { s, h };
}

beforeEach(() => clients.renew());
afterEach(async () => {
  await Promise.all(selectors.splice(0).map((s) => s.close()));
  await clients.closeAll();
});

test('turns in order; leadership lasts while takeLeadership runs; Curator-style lock nodes with the id as data', async () => {
  const [ca, cb, admin] = await clients.startMany(3);
  const a = holding();
  const b = holding();
  const sa = selector(ca!, 'a', { takeLeadership: a.takeLeadership });
  const sb = selector(cb!, 'b', { takeLeadership: b.takeLeadership });
  const aLeads = waitForEvent(sa, 'isLeader');
  await sa.start();
  await aLeads;
  const bWaits = waitForEvent(sb, 'isLeader');
  await sb.start();
  await waitForParticipants(sb, 2);
  expect((await sb.getParticipants()).map((p) => [p.id, p.isLeader])).toEqual([
    ['a', true],
    ['b', false],
  ]);
  expect((await sb.getLeader())?.id).toBe('a');
  const { children } = await admin!.getChildren('/scheduler');
  expect(children.every((name) => /^_c_[0-9a-f-]{36}-lock-\d{10}$/.test(name))).toBe(true);
  expect(sa.hasLeadership()).toBe(true);
  expect(sb.hasLeadership()).toBe(false);

  const aEnded = waitForEvent(sa, 'notLeader');
  a.runs[0]!.release();
  expect((await aEnded)[0]).toBe('released');
  await bWaits;
  expect(b.runs[0]!.token).toBeGreaterThan(a.runs[0]!.token);
  expect(sa.hasLeadership()).toBe(false);
  // Without autoRequeue, a is out of the line.
  expect((await sb.getParticipants()).map((p) => p.id)).toEqual(['b']);
});

test('autoRequeue: 5 selectors take 60 turns, one at a time, checked independently', async () => {
  const checker = new LeadershipChecker();
  const pool = await clients.startMany(5);
  let turns = 0;
  let concurrent = 0;
  let maxConcurrent = 0;
  const done = new Promise<void>((resolve) => {
    pool.forEach((client, i) => {
      const s = selector(client, `s${i}`, {
        autoRequeue: true,
        takeLeadership: async (signal, { fencingToken }) => {
          concurrent += 1;
          maxConcurrent = Math.max(maxConcurrent, concurrent);
          checker.began(`s${i}`, fencingToken);
          await new Promise((r) => setImmediate(r));
          checker.ended(`s${i}`);
          concurrent -= 1;
          turns += 1;
          if (turns === 60) resolve();
          signal.throwIfAborted();
        },
      });
      void s.start();
    });
  });
  await done;
  await Promise.all(selectors.map((s) => s.close()));
  expect(maxConcurrent).toBe(1);
  expect(checker.count).toBeGreaterThanOrEqual(60);
  expectOneLeaderAtATime(checker);
  // Every participant had turns (FIFO line).
  expect(new Set(checker.terms.map((t) => t.id)).size).toBe(5);
});

test('interruptLeadership() aborts the signal; with autoRequeue the selector queues again', async () => {
  const client = await clients.start();
  const { s, h } = await leading(client, 'a', { autoRequeue: true });
  const ended = waitForEvent(s, 'notLeader');
  const second = waitForEvent(s, 'isLeader');
  s.interruptLeadership();
  expect((await ended)[0]).toBe('interrupted');
  expect((h.runs[0]!.signal.reason as HoldLostError).reason).toBe('interrupted');
  await second;
  expect(h.runs).toHaveLength(2);
  expect(h.runs[1]!.token).toBeGreaterThan(h.runs[0]!.token);
});

test('requeue() while leading queues exactly one more turn, never a concurrent one', async () => {
  const client = await clients.start();
  const { s, h } = await leading(client, 'a');
  expect(s.requeue()).toBe(true);
  expect(s.requeue()).toBe(false);
  expect(h.runs).toHaveLength(1);
  const order: string[] = [];
  s.on('notLeader', () => order.push('end'));
  s.on('isLeader', () => order.push('begin'));
  const second = waitForEvent(s, 'isLeader');
  h.runs[0]!.release();
  await second;
  expect(order).toEqual(['end', 'begin']);
  expect(h.runs).toHaveLength(2);
  expect(s.requeue()).toBe(true);
  expect(s.hasLeadership()).toBe(true);
});

test('close() aborts a running takeLeadership, waits for it, and leaves the line', async () => {
  const [ca, cb] = await clients.startMany(2);
  let finished = false;
  const sa = selector(ca!, 'a', {
    takeLeadership: async (signal) => {
      await new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true }));
      await new Promise((resolve) => setTimeout(resolve, 20));
      finished = true;
    },
  });
  const sb = selector(cb!, 'b', { takeLeadership: holding().takeLeadership });
  const aLeads = waitForEvent(sa, 'isLeader');
  await sa.start();
  await aLeads;
  await sb.start();
  await waitForParticipants(sb, 2);
  const bLeads = waitForEvent(sb, 'isLeader');
  await sa.close();
  expect(finished).toBe(true);
  await bLeads;
  expect((await sb.getParticipants()).map((p) => p.id)).toEqual(['b']);
});

test('a connection loss aborts the signal (standard policy); with autoRequeue leadership comes back', async () => {
  const proxy = await TestingProxy.start(server.connectString);
  try {
    const client = await clients.start({ connectString: proxy.connectString, sessionTimeoutMs: 6000 });
    const { s, h } = await leading(client, 'a', { autoRequeue: true });
    const ended = waitForEvent(s, 'notLeader');
    const again = waitForEvent(s, 'isLeader', () => true, scaled(15_000));
    proxy.cut();
    expect((await ended)[0]).toBe('suspended');
    await again;
    expect(h.runs).toHaveLength(2);
    expect(h.runs[0]!.signal.aborted).toBe(true);
    expect(h.runs[1]!.signal.aborted).toBe(false);
    await s.close();
  } finally {
    await proxy.close();
  }
});

test("the leader's session expires: its signal aborts, the next takes over, it queues again in its new session", async () => {
  const [ca, cb] = await clients.startMany(2);
  const { s: sa, h: a } = await leading(ca!, 'a', { autoRequeue: true });
  const b = holding();
  const sb = selector(cb!, 'b', { takeLeadership: b.takeLeadership });
  await sb.start();
  await waitForParticipants(sb, 2);
  const aEnded = waitForEvent(sa, 'notLeader');
  const bLeads = waitForEvent(sb, 'isLeader', () => true, scaled(15_000));
  await server.expireSession(ca!);
  expect(['suspended', 'lost', 'session-changed']).toContain((await aEnded)[0]);
  expect(a.runs[0]!.signal.aborted).toBe(true);
  await bLeads;
  expect(b.runs[0]!.token).toBeGreaterThan(a.runs[0]!.token);
  // a is back in line behind b, with a node of its new session.
  await waitForParticipants(sb, 2);
  expect((await sb.getParticipants()).map((p) => p.id)).toEqual(['b', 'a']);
  const aAgain = waitForEvent(sa, 'isLeader', () => true, scaled(15_000));
  b.runs[0]!.release();
  await aAgain;
  expect(a.runs).toHaveLength(2);
  expect(a.runs[1]!.token).toBeGreaterThan(b.runs[0]!.token);
});

test('a rejecting takeLeadership is reported on error and the turn ends', async () => {
  const client = await clients.start();
  const s = selector(client, 'a', {
    takeLeadership: async () => {
      throw new Error('boom');
    },
  });
  const error = waitForEvent(s, 'error');
  const ended = waitForEvent(s, 'notLeader');
  await s.start();
  expect(((await error)[0] as Error).message).toBe('boom');
  expect((await ended)[0]).toBe('released');
});

test('bad input fails fast with typed errors', async () => {
  const client = clients.make();
  const take = () => undefined;
  expect(() => new LeaderSelector(client, '/s', { id: '', takeLeadership: take })).toThrow(RangeError);
  expect(() => new LeaderSelector(client, 's', { id: 'a', takeLeadership: take })).toThrow(TypeError);
  expect(() => new LeaderSelector(client, '/s', { id: 'a' } as LeaderSelectorOptions)).toThrow(TypeError);
  expect(() => new LeaderSelector(client, '/s', { id: 'a', takeLeadership: take, autoRequeue: 'yes' as unknown as boolean })).toThrow(TypeError);
  expect(() => new LeaderSelector(client, '/s', { id: 'a', takeLeadership: take, policy: 'x' as 'session' })).toThrow(RangeError);
  const s = selector(client, 'a');
  expect(() => s.requeue()).toThrow(RecipeStateError);
  await client.start();
  await s.start();
  await expect(s.start()).rejects.toBeInstanceOf(RecipeStateError);
  await s.close();
  expect(() => s.requeue()).toThrow(RecipeStateError);
});
