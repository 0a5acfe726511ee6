/**
 * A type-level test of the public vocabulary, checked by `npm run typecheck` (nothing here runs): one loss
 * reason, one timeout shape, one policy option, one lifecycle, waits named `waitForX` taking
 * `{ timeoutMs, signal }`, options objects everywhere. A change that breaks a line here changes the
 * public API: make it deliberately, and update docs/ and test/package/exports.test.ts with it.
 */
import {
  GroupMember,
  HoldLostError,
  LeaderLatch,
  LeaderSelector,
  LeadershipTimeoutError,
  LockTimeoutError,
  Mutex,
  PersistentNode,
  PersistentNodeTimeoutError,
  RecipeTimeoutError,
  Semaphore,
  ZkClient,
  type LifecycleState,
  type LongLived,
  type LossReason,
  type Participant,
  type SafetyPolicy,
  type WaitOptions,
} from '../../src';

// eslint-disable-next-line @typescript-eslint/no-unnecessary-type-parameters -- the usual exact-equality trick needs T once per side
type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
type Expect<T extends true> = T;

declare const client: ZkClient;
const take = (signal: AbortSignal): Promise<void> => new Promise((resolve) => signal.addEventListener('abort', () => resolve()));

// One loss reason, carried by one error.
export type LossReasons = Expect<
  Equal<LossReason, 'suspended' | 'lost' | 'session-changed' | 'node-deleted' | 'interrupted' | 'released' | 'closed' | 'not-held'>
>;
export type HoldLostReason = Expect<Equal<HoldLostError['reason'], LossReason>>;
export type Policies = Expect<Equal<SafetyPolicy, 'standard' | 'session'>>;
export type States = Expect<Equal<LifecycleState, 'latent' | 'started' | 'closed'>>;

// Every timeout error has the one constructor shape and says where and how long.
export const timeouts: RecipeTimeoutError[] = [
  new LockTimeoutError('m', { path: '/m', timeoutMs: 1 }),
  new LeadershipTimeoutError('l', { path: '/l', timeoutMs: 1 }),
  new PersistentNodeTimeoutError('n', { path: '/n', timeoutMs: 1 }),
];
export type TimeoutFields = Expect<Equal<Pick<RecipeTimeoutError, 'path' | 'timeoutMs'>, { readonly path: string; readonly timeoutMs: number }>>;

// Every long-lived recipe: (client, path, options), one lifecycle, one `policy` option where it holds something.
export const longLived: LongLived[] = [
  new LeaderLatch(client, '/e', { id: 'a', policy: 'session' }),
  new LeaderSelector(client, '/e', { id: 'a', takeLeadership: take, policy: 'standard' }),
  new PersistentNode(client, '/n', { data: 'x', mode: 'ephemeral' }),
  new GroupMember(client, '/g', { id: 'a', data: 'x' }),
];
export const locks = [new Mutex(client, '/m', { policy: 'session' }), new Semaphore(client, '/s', { maxLeases: 2, policy: 'standard' })];

// @ts-expect-error the old name of the policy option is gone
export const oldPolicy = new LeaderLatch(client, '/e', { id: 'a', safetyPolicy: 'session' });
// @ts-expect-error data goes in the options object
export const positional = new PersistentNode(client, '/n', 'data');

// Waits are named waitForX and take { timeoutMs, signal }; reads that wait do too.
type WaitsWith<F> = F extends (options?: WaitOptions) => Promise<unknown> ? true : false;
export type Waits = Expect<
  Equal<
    [
      WaitsWith<ZkClient['waitForConnection']>,
      WaitsWith<LeaderLatch['waitForLeadership']>,
      WaitsWith<PersistentNode['waitForInitialCreate']>,
      WaitsWith<GroupMember['waitForInitialCreate']>,
      WaitsWith<Mutex['getParticipants']>,
      WaitsWith<Semaphore['getParticipants']>,
      WaitsWith<LeaderLatch['getParticipants']>,
    ],
    [true, true, true, true, true, true, true]
  >
>;
// @ts-expect-error LeaderLatch.await() is now waitForLeadership()
export type OldAwait = LeaderLatch['await'];

// One Participant for locks and elections.
export type Participants = Expect<Equal<Awaited<ReturnType<Mutex['getParticipants']>>, Awaited<ReturnType<LeaderLatch['getParticipants']>>>>;
export type ParticipantFields = Expect<Equal<keyof Participant, 'id' | 'isLeader' | 'node' | 'path' | 'sequence' | 'marker' | 'data'>>;
