/**
 * Proves the Curator peer driver against a real ZooKeeper: two real Curator 5.x clients contend on
 * one InterProcessMutex and elect one leader with LeaderLatch.
 */
import { parseSequentialNode } from '../../src/recipes/shared/sequential-nodes';
import { TestingServer } from '../../src/testing';
import { eventually, scaled } from '../helpers';
import { CuratorPeer } from './curator-peer';

/** Resolves with the first reply of `probe` that `accept` takes (asked again until then). */
async function replyWhere(probe: () => Promise<string>, accept: (reply: string) => boolean): Promise<string> {
  let reply = '';
  await eventually(async () => accept((reply = await probe())), scaled(20_000));
  return reply;
}

/** The sequence number at the end of a Curator lock node's name. */
function sequenceOf(node: string): number {
  return parseSequentialNode(node, ['lock-'])?.sequence ?? Number.NaN;
}

describe('CuratorPeer driver (real Curator 5.x against a real ZooKeeper)', () => {
  let server: { connectString: string; stop(): Promise<void> } | undefined;
  let a: CuratorPeer;
  let b: CuratorPeer;
  const root = `/interop-curator-peer-${process.pid}-${Date.now()}`;

  beforeAll(async () => {
    server = await TestingServer.start();
    [a, b] = await Promise.all([CuratorPeer.start(server.connectString), CuratorPeer.start(server.connectString)]);
  });

  afterAll(async () => {
    await Promise.all([a?.close(), b?.close()]);
    await server?.stop();
  });

  it('replies ERROR to a bad command and keeps serving', async () => {
    expect(await a.send('no-such-command /x')).toBe('ERROR unknown command: no-such-command');
    expect(await a.send('mutex-release relative/path')).toMatch(/^ERROR path must be absolute/);
    expect(await a.send(`mutex-release ${root}/never-acquired`)).toMatch(/^ERROR /);
  });

  it('two peers contend on one mutex: B waits until A releases', async () => {
    const lock = `${root}/mutex`;
    const first = await a.send(`mutex-acquire ${lock}`);
    expect(first).toMatch(/^ACQUIRED _c_[0-9a-f-]{36}-lock-\d{10}$/);
    const nodeA = first.slice('ACQUIRED '.length);

    let replyB: string | undefined;
    const acquiringB = b.send(`mutex-acquire ${lock}`).then((reply) => (replyB = reply));

    // Once B's lock node exists B has made its attempt and must be queued behind A.
    const queued = await replyWhere(
      () => a.send(`mutex-participants ${lock}`),
      (reply) => reply.split(',').length === 2,
    );
    const [holder, waiter] = queued.slice('PARTICIPANTS '.length).split(',');
    expect(holder).toBe(nodeA);
    // B is in line behind A and has no answer: it can only get one once A's node is gone.
    expect(replyB).toBeUndefined();

    expect(await a.send(`mutex-release ${lock}`)).toBe('RELEASED');
    await acquiringB;
    expect(replyB).toBe(`ACQUIRED ${waiter}`);
    expect(sequenceOf(waiter!)).toBeGreaterThan(sequenceOf(nodeA));

    expect(await b.send(`mutex-release ${lock}`)).toBe('RELEASED');
    expect(await a.send(`mutex-participants ${lock}`)).toBe('PARTICIPANTS');
  });

  it('a latch with two peers has exactly one leader and both see both participants', async () => {
    const latch = `${root}/latch`;
    expect(await a.send(`latch-start ${latch} peer-a`)).toBe('STARTED');
    expect(await b.send(`latch-start ${latch} peer-b`)).toBe('STARTED');

    // Both latch nodes exist, as seen from either peer, in the same order.
    const seenByA = await replyWhere(
      () => a.send(`latch-participants ${latch}`),
      (reply) => reply.split(',').length === 2,
    );
    const seenByB = await replyWhere(
      () => b.send(`latch-participants ${latch}`),
      (reply) => reply.split(',').length === 2,
    );
    expect(seenByB).toBe(seenByA);
    const ids = seenByA.slice('PARTICIPANTS '.length).split(',');
    expect([...ids].sort()).toEqual(['peer-a', 'peer-b']);
    const [leaderId, followerId] = ids as [string, string];
    const [leader, follower] = leaderId === 'peer-a' ? [a, b] : [b, a];

    // Exactly one leader, the first participant, agreed on by both and told through its listener.
    await leader.waitForEvent(`isLeader ${leaderId}`);
    expect(await leader.send(`latch-has ${latch}`)).toBe('HAS true');
    expect(await follower.send(`latch-has ${latch}`)).toBe('HAS false');
    expect(await a.send(`latch-leader ${latch}`)).toBe(`LEADER ${leaderId}`);
    expect(await b.send(`latch-leader ${latch}`)).toBe(`LEADER ${leaderId}`);
    expect(follower.eventLog).not.toContain(`isLeader ${followerId}`);

    // Closing the leader's latch hands leadership over.
    expect(await leader.send(`latch-close ${latch}`)).toBe('CLOSED');
    await leader.waitForEvent(`notLeader ${leaderId}`);
    await follower.waitForEvent(`isLeader ${followerId}`);
    expect(await follower.send(`latch-participants ${latch}`)).toBe(`PARTICIPANTS ${followerId}`);
    expect(await follower.send(`latch-close ${latch}`)).toBe('CLOSED');
  });

  it('close() is idempotent and the JVM is gone afterwards', async () => {
    const peer = await CuratorPeer.start(server!.connectString);
    const pid = peer.pid!;
    await Promise.all([peer.close(), peer.close()]);
    await peer.close();
    expect(() => process.kill(pid, 0)).toThrow();
    await expect(peer.send('latch-has /x')).rejects.toThrow(/closed/);
  });
});
