/**
 * `guardedTransaction()` of a LeaderLatch's Leadership and of a LeaderSelector's turn, on a real server:
 * commits while leading, fails with NO_NODE at the check once the leader's node is gone, and is refused
 * (RecipeStateError) once the term ended in this process.
 */
import { isZkError, type ZkClient } from '../../../src/client';
import { LeaderLatch, LeaderSelector, type SelectorLeadership } from '../../../src/recipes/leader';
import { RecipeStateError } from '../../../src/recipes/shared/errors';
import { scaled, waitForEvent, waitForState } from '../../helpers';
import { Clients } from '../../helpers/clients';
import { sharedServer } from '../../helpers/shared-server';
import { rejection } from '../lock/support';

const server = sharedServer();
const clients = new Clients(() => server.connectString, { prefix: 'recipe' });
const recipes: Array<LeaderLatch | LeaderSelector> = [];

beforeEach(() => clients.renew());
afterEach(async () => {
  await Promise.all(recipes.splice(0).map((recipe) => recipe.close()));
  await clients.closeAll();
});

async function data(client: ZkClient, path: string): Promise<string> {
  return (await client.getData(path)).data.toString();
}

test("a latch's leadership: writes commit while leading; once its node is deleted the check fails, then the term refuses", async () => {
  const [ca, cb] = await clients.startMany(2);
  await cb!.create('/master', 'none');
  const latch = new LeaderLatch(ca!, '/election', { id: 'a' });
  recipes.push(latch);
  await latch.start();
  const term = await latch.waitForLeadership({ timeoutMs: scaled(10_000) });
  await term.guardedTransaction().setData('/master', 'a').commit();
  expect(await data(cb!, '/master')).toBe('a');

  const prepared = term.guardedTransaction().setData('/master', 'stale');
  const stepDown = waitForEvent(latch, 'notLeader');
  await cb!.delete(term.node);
  const failed = await rejection(prepared.commit());
  expect(isZkError(failed, 'NO_NODE') && failed.failedOp === 0).toBe(true);
  expect(await data(cb!, '/master')).toBe('a');
  await stepDown;
  expect(() => term.guardedTransaction()).toThrow(RecipeStateError);
});

test("a latch's leadership after its session expired: the term refuses at once, and the next leader's writes commit", async () => {
  const [ca, cb] = await clients.startMany(2);
  await cb!.create('/master', 'none');
  const a = new LeaderLatch(ca!, '/election', { id: 'a' });
  const b = new LeaderLatch(cb!, '/election', { id: 'b' });
  recipes.push(a, b);
  await a.start();
  const term = await a.waitForLeadership({ timeoutMs: scaled(10_000) });
  await b.start();
  const bLeads = b.waitForLeadership({ timeoutMs: scaled(20_000) });
  const renewed = waitForState(ca!, 'reconnected', (info) => info.sessionChanged === true);
  await server.expireSession(ca!);
  await renewed;
  expect(() => term.guardedTransaction()).toThrow(RecipeStateError);
  const next = await bLeads;
  await next.guardedTransaction().setData('/master', 'b').commit();
  expect(await data(ca!, '/master')).toBe('b');
});

test("a selector's turn: writes commit during takeLeadership; after the turn the leadership refuses", async () => {
  const [ca, cb] = await clients.startMany(2);
  await cb!.create('/master', 'none');
  let turn: SelectorLeadership | undefined;
  const selector = new LeaderSelector(ca!, '/scheduler', {
    id: 'a',
    takeLeadership: async (_signal, leadership) => {
      turn = leadership;
      await leadership.guardedTransaction().setData('/master', 'a').commit();
    },
  });
  recipes.push(selector);
  // At notLeader the turn is over but the lock node not yet deleted: the term must refuse already.
  let refusedAtEnd: unknown;
  selector.on('notLeader', () => {
    try {
      turn!.guardedTransaction();
    } catch (error) {
      refusedAtEnd = error;
    }
  });
  const ended = waitForEvent(selector, 'notLeader');
  await selector.start();
  await ended;
  expect(await data(cb!, '/master')).toBe('a');
  expect(() => turn!.guardedTransaction()).toThrow(RecipeStateError);
  expect(refusedAtEnd).toBeInstanceOf(RecipeStateError);
});
