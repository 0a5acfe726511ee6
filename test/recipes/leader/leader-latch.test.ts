/** LeaderLatch against a real server: election order, events, await, participants, connection and session loss. */
import { isZkError, type ZkClient } from '../../../src/client';
import { LeaderLatch, LeadershipTimeoutError, type Leadership } from '../../../src/recipes/leader';
import { HoldLostError } from '../../../src/recipes/shared';
import { RecipeStateError } from '../../../src/recipes/shared/errors';
import { TestingProxy } from '../../../src/testing';
import { eventually, scaled, waitForEvent, waitForState } from '../../helpers';
import { Clients } from '../../helpers/clients';
import { sharedServer } from '../../helpers/shared-server';
import { observe } from '../lock/support';
import { waitForParticipants } from './support';

const server = sharedServer();
const clients = new Clients(() => server.connectString, { prefix: 'recipe' });
const latches: LeaderLatch[] = [];

/** A latch that is closed after the test. */
function latch(client: ConstructorParameters<typeof LeaderLatch>[0], id: string, path = '/election'): LeaderLatch {
  const made = new LeaderLatch(client, path, { id });
  latches.push(made);
  return made;
}

/** `a` on `ca` leads (`term`), then `b` on `cb` starts and waits in line behind it. */
async function leaderAndFollower(ca: ZkClient, cb: ZkClient): Promise<{ a: LeaderLatch; b: LeaderLatch; term: Leadership }> {
  const a = latch(ca, 'a');
  const b = latch(cb, 'b');
  await a.start();
  const term = await a.waitForLeadership();
  await b.start();
  return { a, b, term };
}

beforeEach(() => clients.renew());
afterEach(async () => {
  await Promise.all(latches.splice(0).map((l) => l.close()));
  await clients.closeAll();
});

test('the first to start leads; the others follow in line and take over in order', async () => {
  const [ca, cb, cc] = await clients.startMany(3);
  const a = latch(ca!, 'a');
  const b = latch(cb!, 'b');
  const c = latch(cc!, 'c');
  await a.start();
  const first = await a.waitForLeadership({ timeoutMs: scaled(10_000) });
  expect(a.hasLeadership()).toBe(true);
  expect(first.id).toBe('a');
  expect(first.node).toMatch(/^\/election\/_c_[0-9a-f-]{36}-latch-\d{10}$/);
  await b.start();
  await c.start();
  expect(b.hasLeadership()).toBe(false);
  expect(c.hasLeadership()).toBe(false);

  const participants = await c.getParticipants();
  expect(participants.map((p) => [p.id, p.isLeader])).toEqual([
    ['a', true],
    ['b', false],
    ['c', false],
  ]);
  expect(await b.getLeader()).toMatchObject({ id: 'a', isLeader: true });
  const { data } = await ca!.getData(first.node);
  expect(data.toString()).toBe('a');

  const bLeads = b.waitForLeadership({ timeoutMs: scaled(10_000) });
  await a.close();
  expect(first.signal.aborted).toBe(true);
  const second = await bLeads;
  expect(second.fencingToken).toBeGreaterThan(first.fencingToken);
  expect(c.hasLeadership()).toBe(false);

  const cLeads = c.waitForLeadership({ timeoutMs: scaled(10_000) });
  await b.close();
  const third = await cLeads;
  expect(third.fencingToken).toBeGreaterThan(second.fencingToken);
  expect((await c.getParticipants()).map((p) => p.id)).toEqual(['c']);
});

test('close({ notifyLeader }) emits notLeader before the node goes; the signal aborts either way', async () => {
  const [ca, cb] = await clients.startMany(2);
  const a = latch(ca!, 'a');
  const b = latch(cb!, 'b');
  const events: string[] = [];
  a.addLeaderListener({ isLeader: () => events.push('a+'), notLeader: (reason) => events.push(`a-:${reason}`) });
  b.on('isLeader', () => events.push('b+'));
  await a.start();
  const term = await a.waitForLeadership();
  await b.start();
  const bLeads = waitForEvent(b, 'isLeader');
  await a.close({ notifyLeader: true });
  await bLeads;
  expect(events).toEqual(['a+', 'a-:closed', 'b+']);
  expect(term.signal.reason).toBeInstanceOf(HoldLostError);
  expect((term.signal.reason as HoldLostError).reason).toBe('closed');

  // Default close is silent (Curator's CloseMode.SILENT) but still aborts the signal.
  const silent: string[] = [];
  b.on('notLeader', (reason) => silent.push(reason));
  const bTerm = b.leadership!;
  await b.close();
  expect(silent).toEqual([]);
  expect(bTerm.signal.aborted).toBe(true);
  expect(b.hasLeadership()).toBe(false);
  expect(b.leadership).toBeUndefined();
});

test('await() times out, aborts, and fails when the latch closes', async () => {
  const [ca, cb] = await clients.startMany(2);
  const { a, b } = await leaderAndFollower(ca!, cb!);
  await expect(b.waitForLeadership({ timeoutMs: 50 })).rejects.toBeInstanceOf(LeadershipTimeoutError);
  const controller = new AbortController();
  const aborted = b.waitForLeadership({ signal: controller.signal });
  controller.abort(new Error('caller gave up'));
  await expect(aborted).rejects.toThrow('caller gave up');
  const pending = expect(b.waitForLeadership()).rejects.toBeInstanceOf(RecipeStateError);
  await b.close();
  await pending;
  await expect(b.waitForLeadership()).rejects.toBeInstanceOf(RecipeStateError);
  expect(a.hasLeadership()).toBe(true);
});

test('a leader whose node is deleted by someone else steps down and queues again', async () => {
  const [ca, cb, admin] = await clients.startMany(3);
  const { a, b, term } = await leaderAndFollower(ca!, cb!);
  const aDown = waitForEvent(a, 'notLeader');
  const bLeads = waitForEvent(b, 'isLeader');
  await admin!.delete(term.node);
  const [reason] = await aDown;
  expect(reason).toBe('node-deleted');
  await bLeads;
  // a re-created its node behind b.
  expect((await waitForParticipants(b, 2)).map((p) => p.id)).toEqual(['b', 'a']);
  expect(a.hasLeadership()).toBe(false);
});

test('suspended: notLeader at once (standard policy); leadership back after reconnecting in the same session', async () => {
  const proxy = await TestingProxy.start(server.connectString);
  try {
    const ca = await clients.start({ connectString: proxy.connectString, sessionTimeoutMs: 6000 });
    const a = latch(ca, 'a');
    await a.start();
    const term = await a.waitForLeadership();
    const down = waitForEvent(a, 'notLeader');
    proxy.cut();
    const [reason] = await down;
    expect(reason).toBe('suspended');
    expect(term.signal.aborted).toBe(true);
    const back = await waitForEvent(a, 'isLeader');
    const again = back[0] as Leadership;
    expect(again.node).toBe(term.node);
    expect(again.signal.aborted).toBe(false);
    expect(ca.state).toBe('reconnected');
  } finally {
    await proxy.close();
  }
});

test('session policy keeps leadership through a short suspension', async () => {
  const proxy = await TestingProxy.start(server.connectString);
  try {
    const ca = await clients.start({ connectString: proxy.connectString, sessionTimeoutMs: 6000 });
    const a = new LeaderLatch(ca, '/election', { id: 'a', policy: 'session' });
    latches.push(a);
    const lost: string[] = [];
    a.on('notLeader', (reason) => lost.push(reason));
    await a.start();
    const term = await a.waitForLeadership();
    const suspended = waitForState(ca, 'suspended');
    proxy.cut();
    await suspended;
    expect(a.hasLeadership()).toBe(true);
    await waitForState(ca, 'reconnected');
    expect(lost).toEqual([]);
    expect(term.signal.aborted).toBe(false);
  } finally {
    await proxy.close();
  }
});

test("the second in line leads on its predecessor's deletion alone, without a request; tokens still grow", async () => {
  const [ca, cb, cc] = await clients.startMany(3);
  const b = observe(cb!);
  const c = observe(cc!);
  const aLatch = latch(ca!, 'a');
  const bLatch = latch(b.client, 'b');
  const cLatch = latch(c.client, 'c');
  await aLatch.start();
  const first = await aLatch.waitForLeadership();
  await bLatch.start();
  await cLatch.start();
  // b (second) watches a's node; c (third) watches b's node and a's.
  await eventually(async () => b.seen.log.includes(`< getData ${first.node}`) && c.seen.log.includes(`< getData ${first.node}`));
  b.seen.log.length = 0;
  c.seen.log.length = 0;
  const bLeads = bLatch.waitForLeadership({ timeoutMs: scaled(10_000) });
  await aLatch.close();
  const second = await bLeads;
  expect(b.seen.notifications).toContainEqual({ type: 'deleted', path: first.node });
  expect(b.seen.log.filter((entry) => entry.startsWith('>'))).toEqual([]);
  expect(second.fencingToken).toBeGreaterThan(first.fencingToken);
  // c heard of a's node too, looked again and knows it is second now.
  await eventually(async () => c.seen.log.includes('< getChildren /election'));
  expect(cLatch.hasLeadership()).toBe(false);
  expect((await cLatch.getParticipants()).map((p) => [p.id, p.isLeader])).toEqual([
    ['b', true],
    ['c', false],
  ]);
  await eventually(async () => c.seen.log.filter((entry) => entry.startsWith('>')).length === c.seen.log.filter((entry) => entry.startsWith('<')).length);
  c.seen.log.length = 0;
  const cLeads = cLatch.waitForLeadership({ timeoutMs: scaled(10_000) });
  await bLatch.close();
  expect((await cLeads).fencingToken).toBeGreaterThan(second.fencingToken);
  expect(c.seen.log.filter((entry) => entry.startsWith('>'))).toEqual([]);
});

test('session expiry: leadership ends, the node is re-created in the new session', async () => {
  const [ca, cb] = await clients.startMany(2);
  const { a, b, term } = await leaderAndFollower(ca!, cb!);
  const aDown = waitForEvent(a, 'notLeader');
  const bLeads = waitForEvent(b, 'isLeader');
  const newSession = waitForState(ca!, 'reconnected', (info) => info.sessionChanged === true);
  await server.expireSession(ca!);
  // The expiry drops the connection first: standard policy steps down already at `suspended`.
  expect(['suspended', 'lost']).toContain((await aDown)[0]);
  const [bTerm] = (await bLeads) as [Leadership];
  expect(bTerm.fencingToken).toBeGreaterThan(term.fencingToken);
  await newSession;
  // a is back in line behind b, with a node of its new session.
  const participants = await waitForParticipants(b, 2);
  expect(participants.map((p) => p.id)).toEqual(['b', 'a']);
  const aStat = await cb!.exists(`/election/${participants[1]!.node}`);
  expect(BigInt.asUintN(64, aStat!.ephemeralOwner)).toBe(BigInt(`0x${ca!.sessionId}`));
  const aLeads = a.waitForLeadership({ timeoutMs: scaled(10_000) });
  await b.close();
  expect((await aLeads).fencingToken).toBeGreaterThan(bTerm.fencingToken);
});

test('a node left by the old session is not adopted: it is replaced', async () => {
  const proxy = await TestingProxy.start(server.connectString);
  try {
    // The client gives the session up by itself (suspended longer than its timeout) while the server still
    // holds it: its old node is still first in line when the new session starts.
    const ca = await clients.start({ connectString: proxy.connectString, sessionTimeoutMs: 2000 });
    const a = latch(ca, 'a');
    await a.start();
    const term = await a.waitForLeadership();
    const oldSession = ca.sessionId;
    proxy.rejectConnections(true);
    proxy.cut();
    await waitForState(ca, 'lost');
    proxy.rejectConnections(false);
    const [again] = (await waitForEvent(a, 'isLeader')) as [Leadership];
    expect(ca.sessionId).not.toBe(oldSession);
    expect(again.node).not.toBe(term.node);
    const stat = await ca.exists(again.node);
    expect(BigInt.asUintN(64, stat!.ephemeralOwner)).toBe(BigInt(`0x${ca.sessionId}`));
    expect(await ca.exists(term.node)).toBeNull();
  } finally {
    await proxy.close();
  }
});

test('bad input fails fast with typed errors, before anything is sent', async () => {
  const client = clients.make();
  expect(() => new LeaderLatch(client, '/election', { id: '' })).toThrow(RangeError);
  expect(() => new LeaderLatch(client, '/election', { id: 42 as unknown as string })).toThrow(TypeError);
  expect(() => new LeaderLatch(client, '/election', undefined as unknown as { id: string })).toThrow(TypeError);
  expect(() => new LeaderLatch(client, 'election', { id: 'a' })).toThrow(TypeError);
  expect(() => new LeaderLatch(client, '/election/', { id: 'a' })).toThrow(TypeError);
  expect(() => new LeaderLatch(client, '/a//b', { id: 'a' })).toThrow(TypeError);
  expect(() => new LeaderLatch(client, '/election', { id: 'a', policy: 'never' as 'session' })).toThrow(RangeError);
  expect(() => new LeaderLatch(undefined as unknown as typeof client, '/election', { id: 'a' })).toThrow(TypeError);
  await client.start();
  const a = latch(client, 'a');
  await a.start();
  await expect(a.start()).rejects.toBeInstanceOf(RecipeStateError);
  await expect(a.waitForLeadership({ timeoutMs: -1 })).rejects.toBeInstanceOf(RangeError);
  await a.close();
  await expect(a.start()).rejects.toBeInstanceOf(RecipeStateError);
  const never = latch(client, 'b');
  await expect(never.waitForLeadership()).rejects.toBeInstanceOf(RecipeStateError);
});

test('start() rejects when the node cannot be created for a reason other than the connection', async () => {
  const client = await clients.start();
  await client.create('/ephemeral-parent', '', { mode: 'ephemeral' });
  const a = latch(client, 'a', '/ephemeral-parent');
  const errors: Error[] = [];
  a.on('error', (error) => errors.push(error));
  const started = a.start();
  const failure = await started.then(() => undefined, (error: unknown) => error);
  expect(isZkError(failure, 'NO_CHILDREN_FOR_EPHEMERALS')).toBe(true);
  // The failure is start()'s to report, not an event's; and a latch whose start failed is closed.
  expect(errors).toEqual([]);
  expect(a.state).toBe('closed');
});
