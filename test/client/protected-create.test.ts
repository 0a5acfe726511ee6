/**
 * The one protected-create module (used by the client's `protected` option, the recipes' resumable
 * sequential creates and the lock contenders): finding our node by its prefix, never adopting another
 * session's, deleting it at the version read.
 */
import type { ZkClient } from '../../src/client';
import {
  clientAccess,
  findProtectedNode,
  ownedByCurrentSession,
  ownerSessionId,
  protectedPrefix,
  type ProtectedNodeAccess,
} from '../../src/client/protected-create';
import { uniqueNamespace } from '../helpers';
import { sharedServer } from '../helpers/shared-server';
import { ownNamespaceClients } from './support';

const server = sharedServer();
const clients = ownNamespaceClients(() => server.connectString);

afterEach(() => clients.closeAll());

/** Two clients (two sessions) on one namespace. */
async function twoSessions(): Promise<[ZkClient, ZkClient]> {
  const namespace = uniqueNamespace('protected');
  const ours = await clients.start({ namespace });
  const theirs = await clients.start({ namespace });
  await ours.create('/p', undefined);
  return [ours, theirs];
}

test('the prefix is _c_<uuid-v4>-, fresh every time', () => {
  const prefix = protectedPrefix();
  expect(prefix).toMatch(/^_c_[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}-$/);
  expect(protectedPrefix()).not.toBe(prefix);
});

test('finds our own ephemeral node; owner and session agree', async () => {
  const [ours] = await twoSessions();
  const prefix = protectedPrefix();
  const path = await ours.create(`/p/${prefix}lock-`, 'x', { mode: 'ephemeral-sequential' });
  const found = await findProtectedNode(clientAccess(ours), '/p', prefix, true);
  expect(found?.path).toBe(path);
  expect(ownedByCurrentSession(found?.stat, ours)).toBe(true);
  expect(ownerSessionId(found!.stat)).toBe(ours.sessionId);
});

test("another session's node with our prefix is deleted, never adopted", async () => {
  const [ours, theirs] = await twoSessions();
  const prefix = protectedPrefix();
  await theirs.create(`/p/${prefix}lock-`, 'x', { mode: 'ephemeral-sequential' });
  expect(await findProtectedNode(clientAccess(ours), '/p', prefix, true)).toBeUndefined();
  expect((await ours.getChildren('/p')).children).toEqual([]);
});

test('a foreign node changed after it was read is left alone (deleted at the version read only)', async () => {
  const [ours, theirs] = await twoSessions();
  const prefix = protectedPrefix();
  const foreign = await theirs.create(`/p/${prefix}lock-`, 'x', { mode: 'ephemeral-sequential' });
  const access = clientAccess(ours);
  // Someone writes between our read and our delete: BAD_VERSION is tolerated, the node stays.
  const racing: ProtectedNodeAccess = {
    ...access,
    stat: async (path) => {
      const stat = await access.stat(path);
      await theirs.setData(foreign, 'changed');
      return stat;
    },
  };
  expect(await findProtectedNode(racing, '/p', prefix, true)).toBeUndefined();
  expect((await ours.getChildren('/p')).children).toHaveLength(1);
});

test('a missing parent finds nothing; a duplicate of ours is deleted', async () => {
  const [ours] = await twoSessions();
  const prefix = protectedPrefix();
  expect(await findProtectedNode(clientAccess(ours), '/absent', prefix, true)).toBeUndefined();
  const first = await ours.create(`/p/${prefix}n-`, 'x', { mode: 'persistent-sequential' });
  await ours.create(`/p/${prefix}n-`, 'x', { mode: 'persistent-sequential' });
  const found = await findProtectedNode(clientAccess(ours), '/p', prefix, false);
  expect(found?.path).toBe(first);
  expect((await ours.getChildren('/p')).children).toEqual([first.slice('/p/'.length)]);
});
