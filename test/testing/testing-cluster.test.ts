/** TestingCluster against real ZooKeeper JVMs: an ensemble on loopback, leader failover, member restarts. */
import * as fs from 'node:fs';
import { parseMode, TestingCluster, trackedJvms } from '../../src/testing';
import { isPortFree } from '../../src/testing/ports';
import { eventually, scaled } from '../helpers';
import { createFrame, existsFrame, RawConnection } from './raw-connection';
import { isAlive, processState } from './support';

describe('a three-member TestingCluster', () => {
  let cluster: TestingCluster;
  beforeAll(async () => {
    cluster = await TestingCluster.start({ size: 3 });
  });
  afterAll(() => cluster?.stop());

  test('every member serves on its own OS-chosen ports; exactly one leads', async () => {
    const { servers } = cluster;
    expect(servers).toHaveLength(3);
    expect(servers.map((server) => server.id)).toEqual([1, 2, 3]);
    const ports = servers.flatMap((server) => [server.clientPort, server.quorumPort, server.electionPort]);
    expect(new Set(ports).size).toBe(9);
    expect(cluster.connectString).toBe(servers.map((server) => `127.0.0.1:${server.clientPort}`).join(','));
    servers.forEach((server, i) => expect(cluster.connectStringOf(i)).toBe(server.connectString));

    const modes = await Promise.all(servers.map(async (_, i) => parseMode(await cluster.fourLetterWord(i, 'srvr'))));
    expect(modes.filter((mode) => mode === 'leader')).toHaveLength(1);
    expect(modes.filter((mode) => mode === 'follower')).toHaveLength(2);
    expect(await cluster.leaderIndex()).toBe(modes.indexOf('leader'));
    for (const server of servers) expect(isAlive(server.pid!)).toBe(true);
  });

  test('killing the leader elects another; the old leader restarts, catches up and follows', async () => {
    const writer = await RawConnection.open(cluster.connectString.split(',')[0]!);
    writer.write(createFrame(1, '/before-failover'));
    expect((await writer.reply(1)).err).toBe(0);
    writer.destroy();

    const oldLeader = await cluster.waitForLeader();
    const oldPid = cluster.servers[oldLeader]!.pid!;
    await cluster.kill(oldLeader);
    expect(isAlive(oldPid)).toBe(false);
    expect(cluster.servers[oldLeader]).toMatchObject({ running: false, pid: undefined });

    const newLeader = await cluster.waitForLeader({ timeoutMs: scaled(30_000) });
    expect(newLeader).not.toBe(oldLeader);

    await cluster.restart(oldLeader);
    expect(parseMode(await cluster.fourLetterWord(oldLeader, 'srvr'))).toBe('follower');
    expect(await cluster.leaderIndex()).toBe(newLeader);
    const reader = await RawConnection.open(cluster.connectStringOf(oldLeader));
    reader.write(existsFrame(1, '/before-failover'));
    expect((await reader.reply(1)).err).toBe(0);
    reader.destroy();
  });

  test('stop(i) stops one follower gracefully; the other two keep the quorum', async () => {
    const leader = await cluster.waitForLeader();
    const follower = (leader + 1) % 3;
    const pid = cluster.servers[follower]!.pid!;
    await cluster.stop(follower);
    expect(isAlive(pid)).toBe(false);
    expect(await isPortFree(cluster.servers[follower]!.clientPort)).toBe(true);
    expect(await cluster.leaderIndex()).toBe(leader);

    await cluster.restart(follower);
    expect(parseMode(await cluster.fourLetterWord(follower, 'srvr'))).toBe('follower');
  });

  test('losing the quorum leaves no leader; restoring it elects one again', async () => {
    const leader = await cluster.waitForLeader();
    const followers = [0, 1, 2].filter((i) => i !== leader);
    await Promise.all(followers.map((i) => cluster.kill(i)));
    // Alone, the old leader gives up leading (it no longer hears a quorum) and stops serving.
    await eventually(async () => (await cluster.leaderIndex()) === undefined);
    await Promise.all(followers.map((i) => cluster.restart(i)));
    expect(await cluster.waitForLeader()).toBeGreaterThanOrEqual(0);
  });

  test('pause(i) freezes a member (stopped, not gone), resume(i) lets it serve again, stop(i) ends a paused one', async () => {
    const member = (await cluster.waitForLeader() + 1) % 3;
    const pid = cluster.servers[member]!.pid!;
    cluster.pause(member);
    await eventually(() => processState(pid) === 'T');
    expect(cluster.servers[member]!.running).toBe(true);
    cluster.resume(member);
    await eventually(() => processState(pid) !== 'T');
    await eventually(async () => parseMode(await cluster.fourLetterWord(member, 'srvr').catch(() => '')) === 'follower');

    cluster.pause(member);
    await eventually(() => processState(pid) === 'T');
    await cluster.stop(member); // graceful: a paused JVM is let go on to handle the SIGTERM
    expect(isAlive(pid)).toBe(false);
    await cluster.restart(member);
    expect(parseMode(await cluster.fourLetterWord(member, 'srvr'))).toBe('follower');
  });

  test('bad member indexes are rejected, naming the range', async () => {
    expect(() => cluster.connectStringOf(3)).toThrow(/0\.\.2/);
    await expect(cluster.kill(-1)).rejects.toThrow(/0\.\.2/);
    await expect(cluster.restart(1.5)).rejects.toThrow(/0\.\.2/);
  });

  test('stop() ends every member and removes the directory; idempotent', async () => {
    const pids = cluster.servers.map((server) => server.pid!);
    const first = cluster.stop();
    expect(cluster.stop()).toBe(first);
    await first;
    for (const pid of pids) {
      expect(isAlive(pid)).toBe(false);
      expect(trackedJvms()).not.toContain(pid);
    }
    expect(fs.existsSync(cluster.directory)).toBe(false);
    await expect(cluster.restart(0)).rejects.toThrow(/stopped/);
  });
});

test('a five-member cluster elects one leader among five', async () => {
  const cluster = await TestingCluster.start({ size: 5 });
  try {
    expect(cluster.servers).toHaveLength(5);
    expect(cluster.connectString.split(',')).toHaveLength(5);
    const modes = await Promise.all(cluster.servers.map(async (_, i) => parseMode(await cluster.fourLetterWord(i, 'srvr'))));
    expect(modes.filter((mode) => mode === 'leader')).toHaveLength(1);
    expect(modes.filter((mode) => mode === 'follower')).toHaveLength(4);
  } finally {
    await cluster.stop();
  }
});

test('sizes other than 3 and 5 are rejected before anything starts', async () => {
  const before = trackedJvms().length;
  await expect(TestingCluster.start({ size: 4 as 3 })).rejects.toThrow(/size must be 3 or 5/);
  expect(trackedJvms()).toHaveLength(before);
});
