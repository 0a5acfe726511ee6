/** TestingServer against a real ZooKeeper JVM: start, serve, kill, restart, stop, and its failure modes. */
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  findZooKeeper,
  parseMode,
  TestingServer,
  trackedJvms,
  ZooKeeperNotFoundError,
  ZooKeeperStartError,
} from '../../src/testing';
import { isPortFree } from '../../src/testing/ports';
import { eventually, scaled } from '../helpers';
import { createFrame, existsFrame, RawConnection } from './raw-connection';
import { isAlive, processesMentioning } from './support';

const NO_NODE = -101;

describe('a running TestingServer', () => {
  let server: TestingServer;
  beforeAll(async () => {
    server = await TestingServer.start();
  });
  afterAll(() => server?.stop());

  test('serves standalone on 127.0.0.1 and the port the OS gave it', async () => {
    expect(server.connectString).toBe(`127.0.0.1:${server.port}`);
    expect(server.port).toBeGreaterThan(0);
    expect(parseMode(await server.fourLetterWord('srvr'))).toBe('standalone');
    expect(await server.fourLetterWord('ruok')).toBe('imok');
    expect(server.running).toBe(true);
    expect(isAlive(server.pid!)).toBe(true);
    expect(trackedJvms()).toContain(server.pid);
    if (fs.existsSync('/dev/shm')) expect(server.directory.startsWith('/dev/shm/')).toBe(true);
  });

  test('grants short session timeouts: tickTime 200, sessions from 1 s', async () => {
    const conf = await server.fourLetterWord('conf');
    expect(conf).toMatch(/^tickTime=200$/m);
    expect(conf).toMatch(/^minSessionTimeout=1000$/m);
    expect(conf).toMatch(/^maxSessionTimeout=60000$/m);
  });

  test('kill() is a crash; restart() brings it back on the same port with the same data', async () => {
    const writer = await RawConnection.open(server.connectString);
    writer.write(createFrame(1, '/survives-restart'));
    expect((await writer.reply(1)).err).toBe(0);
    writer.destroy();

    const { port } = server;
    const crashed = server.pid!;
    await server.kill();
    expect(isAlive(crashed)).toBe(false);
    expect(server.running).toBe(false);
    expect(server.pid).toBeUndefined();
    expect(trackedJvms()).not.toContain(crashed);

    await server.restart();
    expect(server.port).toBe(port);
    expect(server.pid).not.toBe(crashed);
    const reader = await RawConnection.open(server.connectString);
    reader.write(existsFrame(1, '/survives-restart'));
    expect((await reader.reply(1)).err).toBe(0);
    reader.destroy();
  });

  test('restart() of a running server stops it gracefully first', async () => {
    const before = server.pid!;
    await server.restart();
    expect(isAlive(before)).toBe(false);
    expect(parseMode(await server.fourLetterWord('srvr'))).toBe('standalone');
  });

  test('restart() waits while someone else holds its port, then serves on it', async () => {
    await server.kill();
    const squatter = net.createServer((socket) => socket.destroy());
    await new Promise<void>((resolve) => squatter.listen({ host: '127.0.0.1', port: server.port }, resolve));
    const restarting = server.restart();
    try {
      await eventually(() => server.logTail().includes('BindException'), scaled(30_000));
    } finally {
      await new Promise<void>((resolve) => squatter.close(() => resolve()));
    }
    await restarting;
    expect(parseMode(await server.fourLetterWord('srvr'))).toBe('standalone');
  });
});

describe('stopping a TestingServer', () => {
  test('ends the JVM, frees the port and removes the directory; idempotent, callers share one promise', async () => {
    const server = await TestingServer.start();
    const pid = server.pid!;
    const first = server.stop();
    expect(server.stop()).toBe(first);
    await first;
    expect(isAlive(pid)).toBe(false);
    expect(trackedJvms()).not.toContain(pid);
    expect(server.pid).toBeUndefined();
    expect(await isPortFree(server.port)).toBe(true);
    expect(fs.existsSync(server.directory)).toBe(false);
    await eventually(() => processesMentioning(server.directory).length === 0); // the watchdog leaves too
    await server.stop();
    await expect(server.restart()).rejects.toThrow(/stopped/);
  });

  test('await using stops it at the end of the scope', async () => {
    let pid = 0;
    let directory = '';
    {
      await using server = await TestingServer.start();
      pid = server.pid!;
      directory = server.directory;
      expect(isAlive(pid)).toBe(true);
    }
    expect(isAlive(pid)).toBe(false);
    expect(fs.existsSync(directory)).toBe(false);
  });

  test('after kill() the watchdog leaves quietly and keeps the data; stop() then cleans up', async () => {
    const server = await TestingServer.start();
    const pid = server.pid!;
    await server.kill();
    // The watchdog took the exit as expected: it left, and left the data for a restart.
    await eventually(() => processesMentioning(server.directory).length === 0);
    expect(fs.existsSync(path.join(server.directory, 'data'))).toBe(true);
    await server.stop();
    expect(isAlive(pid)).toBe(false);
    expect(fs.existsSync(server.directory)).toBe(false);
  });
});

describe('TestingServer start failures', () => {
  test('options are checked before anything starts, naming the option', async () => {
    const before = trackedJvms().length;
    await expect(TestingServer.start({ tickTimeMs: 0 })).rejects.toThrow(/tickTimeMs/);
    await expect(TestingServer.start({ minSessionTimeoutMs: 5000, maxSessionTimeoutMs: 4000 })).rejects.toThrow(
      /maxSessionTimeoutMs/,
    );
    await expect(TestingServer.start({ heap: 'lots' })).rejects.toThrow(/heap/);
    expect(trackedJvms()).toHaveLength(before);
  });

  test('a server that cannot start fails with its log tail, leaves no JVM and no directory', async () => {
    const baseDir = fs.mkdtempSync(path.join(os.tmpdir(), 'zk-start-failure-'));
    try {
      const starting = TestingServer.start({ baseDir, config: { tickTime: 'not-a-number' } });
      await expect(starting).rejects.toThrow(ZooKeeperStartError);
      await expect(starting).rejects.toThrow(/exited while starting[\s\S]*server log/);
      expect(fs.readdirSync(baseDir)).toEqual([]);
      expect(trackedJvms()).toEqual([]);
    } finally {
      fs.rmSync(baseDir, { recursive: true, force: true });
    }
  });
});

describe('findZooKeeper', () => {
  const PATH = process.env.PATH;

  test('prefers ZOOKEEPER_CLASSPATH, then ZK_HOME, then the Debian jars', () => {
    expect(findZooKeeper({ PATH, ZOOKEEPER_CLASSPATH: '/opt/a.jar:/opt/b.jar', ZK_HOME: '/ignored' })).toMatchObject({
      classpath: ['/opt/a.jar', '/opt/b.jar'],
      source: 'ZOOKEEPER_CLASSPATH',
    });

    const home = fs.mkdtempSync(path.join(os.tmpdir(), 'zk-home-'));
    try {
      fs.mkdirSync(path.join(home, 'lib'));
      for (const jar of ['zookeeper-3.8.4.jar', 'zookeeper-jute-3.8.4.jar', 'netty-handler-4.1.jar']) {
        fs.writeFileSync(path.join(home, 'lib', jar), '');
      }
      const fromHome = findZooKeeper({ PATH, ZK_HOME: home });
      expect(fromHome.source).toBe('ZK_HOME');
      expect(fromHome.classpath).toEqual(
        expect.arrayContaining([path.join(home, 'lib', 'zookeeper-3.8.4.jar'), path.join(home, 'lib', 'netty-handler-4.1.jar')]),
      );
    } finally {
      fs.rmSync(home, { recursive: true, force: true });
    }

    const debian = findZooKeeper({ PATH });
    expect(debian.source).toBe('debian');
    expect(debian.classpath).toEqual(
      expect.arrayContaining(['/usr/share/java/zookeeper.jar', '/usr/share/java/zookeeper-jute.jar']),
    );
    expect(path.basename(debian.java)).toBe('java');
  });

  test('says how to install ZooKeeper or Java when they cannot be found', () => {
    const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'zk-home-empty-'));
    try {
      expect(() => findZooKeeper({ PATH, ZK_HOME: empty })).toThrow(ZooKeeperNotFoundError);
      expect(() => findZooKeeper({ PATH, ZK_HOME: empty })).toThrow(/scripts\/ensure-zookeeper\.sh/);
      expect(() => findZooKeeper({ PATH: empty })).toThrow(/No Java runtime[\s\S]*apt-get install zookeeper/);
    } finally {
      fs.rmSync(empty, { recursive: true, force: true });
    }
  });
});

test('the server answers requests on the data it was started with: a fresh directory has only /zookeeper', async () => {
  await using server = await TestingServer.start();
  const connection = await RawConnection.open(server.connectString);
  connection.write(existsFrame(1, '/survives-restart'));
  expect((await connection.reply(1)).err).toBe(NO_NODE);
  connection.destroy();
});
