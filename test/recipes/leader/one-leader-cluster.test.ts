/**
 * One leader at a time while ZooKeeper servers of a 3-node ensemble are SIGKILLed under the election:
 * the server the leading participant is connected to, and the ensemble's own leader (quorum re-election).
 * Between kills, graceful handovers run on the degraded ensemble. Checked by the independent checker.
 */
import { scaled, waitForEvent } from '../../helpers';
import { Clients } from '../../helpers/clients';
import { sharedCluster } from '../../helpers/shared-server';
import { Election, expectOneLeaderAtATime, LeadershipChecker, type Contender, type ElectionKind } from './support';

const cluster = sharedCluster({ size: 3 });
const clients = new Clients(() => cluster.connectString, { prefix: 'recipe' });

afterEach(() => clients.closeAll());

const kinds: Array<[name: string, kind: ElectionKind]> = [
  ['LeaderLatch', 'latch'],
  ['LeaderSelector', 'selector'],
];

test.each(kinds)('%s: servers killed in a 3-node ensemble: never two leaders, and a leader again after every kill', async (_name, kind) => {
  const checker = new LeadershipChecker();
  const election = new Election(checker, kind);
  const pool = await clients.startMany(6, { sessionTimeoutMs: 10_000 });
  for (let i = 0; i < 5; i++) await election.join(pool[i]!, `p${i}`);
  let joined = 5;
  const portOf = (connectString: string): number => Number(connectString.split(':')[1]);

  const rounds = 4;
  const handoversPerRound = 5;
  for (let round = 0; round < rounds; round++) {
    const leader = await election.currentLeader();
    let victim: number;
    if (round % 2 === 0) {
      // The server the leading participant's client is connected to.
      const server = election.clientOf(leader)!.sessionCredentials()!.server;
      victim = cluster.servers.findIndex((member) => member.clientPort === portOf(server));
    } else {
      victim = await cluster.waitForLeader({ timeoutMs: scaled(30_000) });
    }
    expect(victim).toBeGreaterThanOrEqual(0);
    const before = checker.count;
    const termEnded = waitForEvent(leader, 'notLeader', () => true, scaled(30_000));
    const nextTerm = waitForEvent(election, 'leader', () => checker.count > before, scaled(60_000));
    await cluster.kill(victim);
    if (round % 2 === 0) await termEnded; // its connection died with the server: it stepped down at once
    await nextTerm;

    // Graceful handovers while one server is down.
    for (let i = 0; i < handoversPerRound; i++) {
      const current = await election.currentLeader();
      await election.join(pool[joined % pool.length]!, `p${joined}`);
      joined += 1;
      const next = waitForEvent(election, 'leader', (contender: Contender) => contender !== current, scaled(30_000));
      await election.leave(current);
      await next;
    }
    await cluster.restart(victim, { timeoutMs: scaled(60_000) });
  }
  await election.closeAll();
  expectOneLeaderAtATime(checker, election);
  expect(checker.count).toBeGreaterThanOrEqual(1 + rounds * (1 + handoversPerRound));
});
