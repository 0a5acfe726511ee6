/** PersistentNode against a real server: it stays present through deletion, connection loss and session loss. */
import { PersistentNode, PersistentNodeTimeoutError } from '../../../src/recipes/membership';
import { RecipeStateError } from '../../../src/recipes/shared/errors';
import { TestingProxy } from '../../../src/testing';
import { scaled, waitForEvent, waitForState } from '../../helpers';
import { Clients } from '../../helpers/clients';
import { holdSession, type HeldSession } from '../../helpers/hold-session';
import { sharedServer } from '../../helpers/shared-server';

const server = sharedServer();
const clients = new Clients(() => server.connectString, { prefix: 'recipe' });
const nodes: PersistentNode[] = [];
const proxies: TestingProxy[] = [];
const holds: HeldSession[] = [];

function persistent(...args: ConstructorParameters<typeof PersistentNode>): PersistentNode {
  const node = new PersistentNode(...args);
  nodes.push(node);
  return node;
}

async function proxied(sessionTimeoutMs: number) {
  const proxy = await TestingProxy.start(server.connectString);
  proxies.push(proxy);
  const client = await clients.start({ connectString: proxy.connectString, sessionTimeoutMs });
  return { proxy, client };
}

/** The owner (hex session id) of an ephemeral node, as 16 hex digits. */
async function owner(client: Awaited<ReturnType<Clients['start']>>, path: string): Promise<string | undefined> {
  const stat = await client.exists(path);
  return stat === null ? undefined : BigInt.asUintN(64, stat.ephemeralOwner).toString(16).padStart(16, '0');
}

beforeEach(() => clients.renew());
afterEach(async () => {
  await Promise.all(nodes.splice(0).map((n) => n.close()));
  await clients.closeAll();
  await Promise.all(proxies.splice(0).map((p) => p.close()));
  await Promise.all(holds.splice(0).map((h) => h.release()));
});

test('created on start with its data, re-created when someone deletes it, deleted on close', async () => {
  const [client, admin] = await clients.startMany(2);
  const node = persistent(client!, '/services/api/one', { data: 'v1' });
  await node.start();
  expect(node.actualPath).toBe('/services/api/one');
  expect((await admin!.getData('/services/api/one')).data.toString()).toBe('v1');
  expect(await owner(admin!, '/services/api/one')).toBe(client!.sessionId);

  const recreated = waitForEvent(node, 'created');
  await admin!.delete('/services/api/one');
  await recreated;
  expect((await admin!.getData('/services/api/one')).data.toString()).toBe('v1');

  await node.setData('v2');
  expect((await admin!.getData('/services/api/one')).data.toString()).toBe('v2');
  const again = waitForEvent(node, 'created');
  await admin!.delete('/services/api/one');
  await again;
  expect((await admin!.getData('/services/api/one')).data.toString()).toBe('v2');

  await node.close();
  expect(await admin!.exists('/services/api/one')).toBeNull();
  await node.close(); // idempotent
});

test('session expiry: the node comes back in the new session', async () => {
  const [client, admin] = await clients.startMany(2);
  const node = persistent(client!, '/members/a', { data: 'a' });
  await node.start();
  const oldSession = client!.sessionId;
  const created = waitForEvent(node, 'created');
  await server.expireSession(client!);
  await created;
  expect(client!.sessionId).not.toBe(oldSession);
  expect(await owner(admin!, '/members/a')).toBe(client!.sessionId);
});

test('a node left by an old session of this client is replaced, not adopted', async () => {
  const { proxy, client } = await proxied(2000);
  const admin = await clients.start();
  const node = persistent(client, '/members/a', { data: 'a' });
  await node.start();
  const oldSession = client.sessionId;
  const credentials = client.sessionCredentials()!;
  // The client gives its session up (suspended too long) while the server still holds it. Left alone, the
  // server would expire it about when the client gives up (both one session timeout after the cut), and
  // could delete the old node before we look: a raw connection takes the session over and pings it instead,
  // until released. Taking it over also drops the client's connection, which cannot come back meanwhile.
  proxy.rejectConnections(true);
  const held = await holdSession(server.connectString, credentials);
  holds.push(held);
  proxy.cut();
  await waitForState(client, 'lost');
  expect(await owner(admin, '/members/a')).toBe(oldSession);
  const created = waitForEvent(node, 'created');
  proxy.rejectConnections(false);
  await created;
  expect(client.sessionId).not.toBe(oldSession);
  expect(await owner(admin, '/members/a')).toBe(client.sessionId);
  // The old session was alive all along: the node was replaced, not merely re-created after expiry.
  expect(held.dropped).toBe(false);
});

test('a connection loss that keeps the session keeps the same node', async () => {
  const { proxy, client } = await proxied(6000);
  const admin = await clients.start();
  const node = persistent(client, '/members/a', { data: 'a' });
  await node.start();
  const { czxid } = (await admin.exists('/members/a'))!;
  const reconnected = waitForState(client, 'reconnected');
  proxy.cut();
  await reconnected;
  await node.setData('after');
  const stat = (await admin.exists('/members/a'))!;
  expect(stat.czxid).toBe(czxid);
  expect((await admin.getData('/members/a')).data.toString()).toBe('after');
});

test("another session's node at the path is left alone; the node is created once it goes", async () => {
  const [client, other] = await clients.startMany(2);
  await other!.create('/members/a', 'theirs', { mode: 'ephemeral', createParents: true });
  const node = persistent(client!, '/members/a', { data: 'mine' });
  const conflict = waitForEvent(node, 'conflict');
  void node.start();
  const [ownerId] = await conflict;
  expect(ownerId).toBe(other!.sessionId);
  await expect(node.waitForInitialCreate({ timeoutMs: 100 })).rejects.toBeInstanceOf(PersistentNodeTimeoutError);
  expect((await client!.getData('/members/a')).data.toString()).toBe('theirs');
  const created = waitForEvent(node, 'created');
  await other!.close();
  await created;
  await node.waitForInitialCreate({ timeoutMs: scaled(5000) });
  expect((await client!.getData('/members/a')).data.toString()).toBe('mine');
});

test('sequential modes keep the name of the first create when re-creating', async () => {
  const [client, admin] = await clients.startMany(2);
  const node = persistent(client!, '/queue/job-', { data: 'payload', mode: 'ephemeral-sequential' });
  await node.start();
  const first = node.actualPath!;
  expect(first).toMatch(/^\/queue\/_c_[0-9a-f-]{36}-job-\d{10}$/);
  const created = waitForEvent(node, 'created');
  await admin!.delete(first);
  expect((await created)[0]).toBe(first);
  expect((await admin!.getChildren('/queue')).children).toHaveLength(1);

  const kept = persistent(client!, '/kept/item-', { data: 'p', mode: 'persistent-sequential' });
  await kept.start();
  const stat = await admin!.exists(kept.actualPath!);
  expect(stat!.ephemeralOwner).toBe(0n);
  await kept.close();
  expect(await admin!.exists(kept.actualPath!)).toBeNull();
});

test('persistent mode adopts an existing persistent node and writes its data', async () => {
  const [client, admin] = await clients.startMany(2);
  await admin!.create('/config/flag', 'old', { createParents: true });
  const node = persistent(client!, '/config/flag', { data: 'new', mode: 'persistent' });
  await node.start();
  expect((await admin!.getData('/config/flag')).data.toString()).toBe('new');
  await client!.close();
  expect((await admin!.getData('/config/flag')).data.toString()).toBe('new');
});

test('waitForInitialCreate times out while the server is unreachable, then the node appears', async () => {
  const { proxy, client } = await proxied(10_000);
  proxy.rejectConnections(true);
  proxy.cut();
  await waitForState(client, 'suspended');
  const node = persistent(client, '/members/late', { data: 'x' });
  void node.start();
  await expect(node.waitForInitialCreate({ timeoutMs: 200 })).rejects.toBeInstanceOf(PersistentNodeTimeoutError);
  const controller = new AbortController();
  const aborted = node.waitForInitialCreate({ signal: controller.signal });
  controller.abort(new Error('gave up'));
  await expect(aborted).rejects.toThrow('gave up');
  proxy.rejectConnections(false);
  await node.waitForInitialCreate({ timeoutMs: scaled(10_000) });
  expect(await client.exists('/members/late')).not.toBeNull();
});

test('bad input fails fast with typed errors', async () => {
  const client = clients.make();
  expect(() => new PersistentNode(client, 'relative', { data: 'x' })).toThrow(TypeError);
  expect(() => new PersistentNode(client, '/', { data: 'x' })).toThrow(TypeError);
  expect(() => new PersistentNode(client, '/a/', { data: 'x' })).toThrow(TypeError);
  expect(() => new PersistentNode(client, '/a', { data: 42 as unknown as string })).toThrow(TypeError);
  expect(() => new PersistentNode(client, '/a', { data: 'x', mode: 'container' as 'ephemeral' })).toThrow(RangeError);
  expect(() => new PersistentNode(client, '/a', { data: Buffer.alloc(2 * 1024 * 1024) })).toThrow(RangeError);
  await client.start();
  const node = persistent(client, '/a', { data: 'x' });
  await expect(node.waitForInitialCreate()).rejects.toBeInstanceOf(RecipeStateError);
  await node.start();
  await expect(node.start()).rejects.toBeInstanceOf(RecipeStateError);
  await expect(node.setData(7 as unknown as string)).rejects.toBeInstanceOf(TypeError);
  await expect(node.waitForInitialCreate({ timeoutMs: -5 })).rejects.toBeInstanceOf(RangeError);
  await node.close();
  await expect(node.setData('y')).rejects.toBeInstanceOf(RecipeStateError);
});
