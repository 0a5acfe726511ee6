/**
 * One leader at a time, checked by an independent checker (support.ts: terms stamped on the machine-wide
 * monotonic clock, ordered and compared afterwards) over many elections with at least 5 participants:
 * graceful close, session expiry, and leaders killed with SIGKILL in their own processes.
 * (ZooKeeper servers killed in an ensemble: one-leader-cluster.test.ts.)
 */
import { EventEmitter } from 'eventemitter3';
import type { ZkClient } from '../../../src/client';
import { scaled, waitForEvent } from '../../helpers';
import { Clients } from '../../helpers/clients';
import { sharedServer } from '../../helpers/shared-server';
import { ChildParticipant, Election, expectOneLeaderAtATime, LeadershipChecker, type ChildEvent, type Contender, type ElectionKind } from './support';

const server = sharedServer();
const clients = new Clients(() => server.connectString, { prefix: 'recipe' });

beforeEach(() => clients.renew());
afterEach(() => clients.closeAll());
const kinds: Array<[name: string, kind: ElectionKind]> = [
  ['LeaderLatch', 'latch'],
  ['LeaderSelector', 'selector'],
];

describe.each(kinds)('%s', (_name, kind) => {

  test('graceful close, 150 elections among 5+ participants: no overlap at all', async () => {
    const checker = new LeadershipChecker();
    const election = new Election(checker, kind);
    const pool = await clients.startMany(6);
    for (let i = 0; i < 5; i++) await election.join(pool[i]!, `p${i}`);
    const rounds = 150;
    for (let round = 0; round < rounds; round++) {
      const leader = await election.currentLeader();
      // A replacement joins first, so that 5 participants stay in line while the leader leaves.
      await election.join(pool[(round + 5) % pool.length]!, `p${round + 5}`);
      const next = waitForEvent(election, 'leader', (contender: Contender) => contender !== leader, scaled(10_000));
      await election.leave(leader);
      await next;
    }
    await election.closeAll();
    expect(checker.count).toBe(rounds + 1);
    expectOneLeaderAtATime(checker, election);
    expect(checker.terms.every((term) => term.end !== undefined)).toBe(true);
  });

  test("the leader's session expires, 20 times among 5 participants: the next one takes over; the old one steps down as its connection drops", async () => {
    const sessionTimeoutMs = 4000;
    const checker = new LeadershipChecker();
    const election = new Election(checker, kind);
    const pool = await clients.startMany(5, { sessionTimeoutMs });
    const clientOf = new Map<Contender, ZkClient>();
    for (let i = 0; i < 5; i++) clientOf.set(await election.join(pool[i]!, `p${i}`), pool[i]!);
    const rounds = 20;
    for (let round = 0; round < rounds; round++) {
      const leader = await election.currentLeader();
      const next = waitForEvent(election, 'leader', (contender: Contender) => contender !== leader, scaled(15_000));
      const steppedDown = waitForEvent(leader, 'notLeader', undefined, scaled(15_000));
      await server.expireSession(clientOf.get(leader)!);
      await next;
      // The expiry reaches the old leader as its connection drops: it steps down then, not later.
      expect(['suspended', 'lost', 'session-changed']).toContain((await steppedDown)[0]);
    }
    await election.closeAll();
    expect(checker.count).toBeGreaterThanOrEqual(rounds + 1);
    // Killed while connected, the old session's end reaches the old leader and its successor at the same
    // moment (the successor, second in line, leads on the notification alone): that is the only overlap
    // allowed, bounded by the time the old leader needs to see its connection drop.
    const excused = expectOneLeaderAtATime(checker, election, ['suspended', 'lost', 'session-changed']);
    for (const overlapMs of excused) expect(overlapMs).toBeLessThan(sessionTimeoutMs);
  });

  test("the leader's process is SIGKILLed, 8 times among 5 processes: the next takes over once its session ends", async () => {
    const sessionTimeoutMs = 1500;
    const checker = new LeadershipChecker();
    const namespace = clients.namespace;
    await (await clients.start()).create('/election', '', { createParents: true }).catch(() => undefined);
    const leading = new Set<ChildParticipant>();
    const events = new EventEmitter<{ isLeader: (child: ChildParticipant, event: ChildEvent) => void }>();
    const alive = new Set<ChildParticipant>();
    let spawned = 0;
    const spawnOne = async (): Promise<ChildParticipant> => {
      const id = `proc${spawned++}`;
      const child = await ChildParticipant.start({ connectString: server.connectString, namespace, role: kind, path: '/election', id, sessionTimeoutMs });
      child.on('event', (event) => {
        if (event.event === 'isLeader') {
          checker.began(id, BigInt(String(event.token)), event.at);
          leading.add(child);
          events.emit('isLeader', child, event);
        } else if (event.event === 'notLeader') {
          checker.ended(id, event.at);
          leading.delete(child);
        }
      });
      // Anything that happened before the listener was attached (it may already lead).
      for (const event of child.events) child.emit('event', event);
      alive.add(child);
      return child;
    };
    const currentLeader = async (): Promise<ChildParticipant> => {
      if (leading.size === 1) return [...leading][0]!;
      const [child] = await waitForEvent(events, 'isLeader', () => leading.size === 1, scaled(20_000));
      return child as ChildParticipant;
    };

    try {
      // 6 processes: 5 stay in line while the leader dies; a spare is spawned during each takeover.
      await Promise.all(Array.from({ length: 6 }, () => spawnOne()));
      const takeovers: number[] = [];
      const rounds = 8;
      for (let round = 0; round < rounds; round++) {
        const leader = await currentLeader();
        const next = waitForEvent(events, 'isLeader', (child: ChildParticipant) => child !== leader, scaled(20_000));
        const spare = spawnOne();
        alive.delete(leader);
        const killedAt = await leader.kill();
        leading.delete(leader);
        checker.ended(leader.id, killedAt);
        const [, event] = (await next) as [ChildParticipant, ChildEvent];
        takeovers.push(Number(event.at - killedAt) / 1e6);
        await spare;
      }
      expectOneLeaderAtATime(checker);
      // Others wait for the dead leader's session to end (no early takeover), and not much longer.
      for (const ms of takeovers) {
        expect(ms).toBeGreaterThan(sessionTimeoutMs / 2);
        expect(ms).toBeLessThanOrEqual(sessionTimeoutMs + scaled(1500));
      }
    } finally {
      await Promise.all([...alive].map((child) => child.kill()));
    }
  });

  test('a frozen leader (SIGSTOP past its session timeout): the others take over; thawed, it steps down at once, and its fencing token is the smaller one', async () => {
    const sessionTimeoutMs = 1500;
    const namespace = clients.namespace;
    const children = await Promise.all(
      Array.from({ length: 5 }, (_, i) =>
        ChildParticipant.start({ connectString: server.connectString, namespace, role: kind, path: '/election', id: `frozen${i}`, sessionTimeoutMs }),
      ),
    );
    try {
      const isLeader = (event: ChildEvent): boolean => event.event === 'isLeader';
      const leads = (child: ChildParticipant): boolean => child.events.filter((e) => e.event === 'isLeader' || e.event === 'notLeader').at(-1)?.event === 'isLeader';
      const firstTerms = await Promise.race(children.map((child) => child.waitFor(isLeader).then((event) => ({ child, event }))));
      const leader = firstTerms.child;
      expect(children.filter(leads)).toEqual([leader]);
      const frozenAt = leader.signal('SIGSTOP');
      const next = await Promise.race(
        children.filter((child) => child !== leader).map((child) => child.waitFor(isLeader, scaled(20_000)).then((event) => ({ child, event }))),
      );
      const thawedAt = leader.signal('SIGCONT');
      const stepDown = await leader.waitFor((event) => event.event === 'notLeader' && event.at > firstTerms.event.at, scaled(10_000));
      const takeoverMs = Number(next.event.at - frozenAt) / 1e6;
      const stepDownMs = Number(stepDown.at - thawedAt) / 1e6;
      // The others waited for the frozen leader's session to end; thawed, it noticed at once.
      expect(takeoverMs).toBeGreaterThan(sessionTimeoutMs / 2);
      expect(stepDownMs).toBeLessThan(scaled(2000));
      // While frozen it could not know: that overlap is what the fencing token is for.
      expect(BigInt(String(next.event.token))).toBeGreaterThan(BigInt(String(firstTerms.event.token)));
    } finally {
      await Promise.all(children.map((child) => child.kill()));
    }
  });
});
