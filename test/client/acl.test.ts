/**
 * The ACL helpers: digest ids equal to what ZooKeeper's own Java code computes, builders that refuse bad
 * input before anything is sent, and a real server enforcing the entries they build.
 */
import { execFile } from 'node:child_process';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { acl, CREATOR_ALL_ACL, digestId, OPEN_ACL_UNSAFE, Perms, READ_ACL_UNSAFE } from '../../src/client';
import { findZooKeeper } from '../../src/testing';
import { sharedServer } from '../helpers/shared-server';
import { ownNamespaceClients, rejectsWithCode } from './support';

/** Computed once with `java org.apache.zookeeper.server.auth.DigestAuthenticationProvider user:password` (3.8.0). */
const JAVA_VECTORS: ReadonlyArray<[user: string, password: string, id: string]> = [
  ['user', 'password', 'user:tpUq/4Pn5A64fVZyQ0gOJ8ZWqkY='],
  ['alice', 'p:a:ss', 'alice:AB+A8ahybc19U7AUcXzEOnnF8xs='],
  ['jörg', 'pässwörd✓', 'jörg:m0/qA3LNohU8UGdg5XwEJ3d1VsA='],
  ['bob', '', 'bob:tK1fpNO1hB0F++FhHpSq0Fa4tv0='],
  ['super', 'secret', 'super:lK75jTNcA+U9vtVEw5vB51mj/w4='],
];

describe('digestId', () => {
  test.each(JAVA_VECTORS)('%s / %j matches the Java client', (user, password, id) => {
    expect(digestId(user, password)).toBe(id);
  });

  test('agrees with DigestAuthenticationProvider.generateDigest of the installed jar', async () => {
    const credentials: Array<[string, string]> = [
      ['app', 'correct horse battery staple'],
      ['ops', ':leading:and:trailing:'],
      ['名前', 'パスワード'],
      ['emoji', '🔒🗝️'],
      ['spaces in user', ' spaces in password '],
      ['x', 'a'.repeat(300)],
    ];
    const { java, classpath } = findZooKeeper();
    const { stdout } = await promisify(execFile)(
      java,
      [
        '-Dfile.encoding=UTF-8',
        '-Dsun.stdout.encoding=UTF-8',
        '-cp',
        classpath.join(path.delimiter),
        'org.apache.zookeeper.server.auth.DigestAuthenticationProvider',
        ...credentials.map(([user, password]) => `${user}:${password}`),
      ],
      { encoding: 'utf8' },
    );
    // One line per argument: `<user:password>-><digest id>`.
    const fromJava = stdout.trimEnd().split('\n').map((line) => line.slice(line.lastIndexOf('->') + 2));
    expect(fromJava).toEqual(credentials.map(([user, password]) => digestId(user, password)));
  });

  test('refuses a user that is empty or has a ":" and non-string input, without echoing the password', () => {
    expect(() => digestId('', 'pw')).toThrow(TypeError);
    expect(() => digestId('a:b', 'hunter2')).toThrow(/must not contain ":"/);
    expect(() => digestId(42 as unknown as string, 'pw')).toThrow(TypeError);
    expect(() => digestId('user', undefined as unknown as string)).toThrow(TypeError);
    for (const attempt of [() => digestId('a:b', 'hunter2'), () => acl.digest('', 'hunter2', Perms.ALL)]) {
      // eslint-disable-next-line @typescript-eslint/no-unsafe-assignment -- jest's asymmetric matchers are typed any
      expect(attempt).toThrow(expect.objectContaining({ message: expect.not.stringContaining('hunter2') }) as Error);
    }
  });
});

describe('acl builders', () => {
  test('build one entry per scheme', () => {
    expect(acl.world(Perms.READ)).toEqual({ perms: Perms.READ, scheme: 'world', id: 'anyone' });
    expect(acl.auth(Perms.ALL)).toEqual({ perms: Perms.ALL, scheme: 'auth', id: '' });
    expect(acl.digest('user', 'password', Perms.READ | Perms.WRITE)).toEqual({
      perms: Perms.READ | Perms.WRITE,
      scheme: 'digest',
      id: 'user:tpUq/4Pn5A64fVZyQ0gOJ8ZWqkY=',
    });
    expect(acl.x509('CN=app,O=example', Perms.ALL)).toEqual({ perms: Perms.ALL, scheme: 'x509', id: 'CN=app,O=example' });
    expect(acl.ip('10.0.0.0/8', Perms.READ)).toEqual({ perms: Perms.READ, scheme: 'ip', id: '10.0.0.0/8' });
    expect(acl.ip('127.0.0.1', Perms.READ).id).toBe('127.0.0.1');
    expect(acl.OPEN).toBe(OPEN_ACL_UNSAFE);
    expect(acl.CREATOR_ALL).toBe(CREATOR_ALL_ACL);
    expect(acl.READ).toBe(READ_ACL_UNSAFE);
  });

  test('refuse permissions outside 1..31 (RangeError) and of the wrong type (TypeError)', () => {
    for (const perms of [0, 32, -1, 1.5, Number.NaN]) expect(() => acl.world(perms)).toThrow(RangeError);
    expect(() => acl.world('31' as unknown as number)).toThrow(TypeError);
    expect(() => acl.digest('u', 'p', undefined as unknown as number)).toThrow(TypeError);
  });

  test('refuse what the server would not take: non-IPv4 addresses, bad prefixes, empty x509 subjects', () => {
    for (const bad of ['10.0.0.0/33', '10.0.0/8', '::1', 'localhost', '10.0.0.0/8/1', '10.0.0.0/', '']) {
      expect(() => acl.ip(bad, Perms.READ)).toThrow(TypeError);
    }
    expect(() => acl.x509('  ', Perms.READ)).toThrow(TypeError);
  });
});

describe('a real server enforces the built entries', () => {
  const server = sharedServer();
  const clients = ownNamespaceClients(() => server.connectString);
  afterEach(() => clients.closeAll());

  test('a digest-protected node: NO_AUTH without the credentials, served once they are added', async () => {
    const admin = await clients.start();
    const password = 'pä:ss wörd';
    await admin.create('/guarded', 'secret data', { acl: [acl.digest('reader', password, Perms.READ), acl.world(Perms.ADMIN)] });
    await rejectsWithCode(admin.getData('/guarded'), 'NO_AUTH');
    await admin.addAuth({ scheme: 'digest', auth: `reader:${password}` });
    expect((await admin.getData('/guarded')).data.toString()).toBe('secret data');
    await rejectsWithCode(admin.setData('/guarded', 'x'), 'NO_AUTH');
  });

  test('a wrong password does not match the digest', async () => {
    const client = await clients.start({ auth: [{ scheme: 'digest', auth: 'reader:wrong' }] });
    await client.create('/guarded', 'secret', { acl: [acl.digest('reader', 'right', Perms.READ), acl.world(Perms.ADMIN)] });
    await rejectsWithCode(client.getData('/guarded'), 'NO_AUTH');
  });

  test('ip entries: loopback matches 127.0.0.0/8, not 10.0.0.0/8', async () => {
    const client = await clients.start();
    await client.create('/local', 'l', { acl: [acl.ip('127.0.0.0/8', Perms.READ), acl.world(Perms.ADMIN)] });
    await client.create('/remote', 'r', { acl: [acl.ip('10.0.0.0/8', Perms.READ), acl.world(Perms.ADMIN)] });
    expect((await client.getData('/local')).data.toString()).toBe('l');
    await rejectsWithCode(client.getData('/remote'), 'NO_AUTH');
  });
});
