/**
 * The client over TLS against real TLS servers of the test kit: operations, a lock and an election, mutual
 * TLS and x509 ACLs, reconnects, and every bad setup answered clearly and quickly (a typed error whose
 * cause is the TLS failure, well within the connect timeout; no hang, no crash).
 */
import { acl, isZkError, Perms, ZkClient, ZkError, type ZkClientOptions } from '../../src/client';
import { LeaderLatch } from '../../src/recipes/leader';
import { Mutex } from '../../src/recipes/lock';
import { TestCertificateAuthority, TestingServer } from '../../src/testing';
import { scaled, uniqueNamespace, waitForState } from '../helpers';
import { Clients } from '../helpers/clients';
import { sharedServer } from '../helpers/shared-server';
import { BROKEN_SERVER_CERTIFICATES } from '../helpers/tls';
import { rejectsWithCode } from './support';

/** Connect timeout of the clients that must fail: a TLS failure must be reported well before it. */
const CONNECT_TIMEOUT_MS = scaled(8000);

/** Starts a client expected to fail; resolves with its error and how long `start()` took. */
async function failedStart(options: ZkClientOptions): Promise<{ error: ZkError; ms: number }> {
  const client = new ZkClient({ sessionTimeoutMs: 3000, connectionTimeoutMs: CONNECT_TIMEOUT_MS, ...options });
  const started = performance.now();
  const error = await client.start().then(
    () => new Error('start() resolved'),
    (reason: unknown) => reason,
  );
  const ms = performance.now() - started;
  await client.close();
  if (!isZkError(error)) throw new Error(`expected a ZkError, got ${String(error)}`, { cause: error });
  expect(client.state).toBe('closed');
  return { error, ms };
}

/** The Node TLS error code at the bottom of a TLS_FAILED error. */
function tlsCause(error: ZkError): string | undefined {
  expect(error.code).toBe('TLS_FAILED');
  return (error.cause as NodeJS.ErrnoException | undefined)?.code;
}

/** Asserts that `error` is a TLS_FAILED caused by an alert the server sent (it refused our certificate). */
function refusedByServer(error: ZkError): void {
  expect(tlsCause(error)).toMatch(/^(ERR_SSL_|EPROTO$)/);
  expect((error.cause as Error).message).toMatch(/alert/);
  expect(error.message).toMatch(/the server refused the TLS connection \(.*alert/);
}

describe('a TLS server (clientAuth want)', () => {
  const server = sharedServer({ tls: true });
  const clients = new Clients(() => server.connectString, { prefix: 'tls' });
  beforeEach(() => clients.renew());
  afterEach(() => clients.closeAll());

  test('CRUD over TLS, host name 127.0.0.1 checked against the certificate', async () => {
    const client = await clients.start({ tls: { ca: server.tls!.ca } });
    await client.create('/node', 'over tls');
    expect((await client.getData('/node')).data.toString()).toBe('over tls');
    await client.setData('/node', 'changed');
    expect((await client.getChildren('/')).children).toEqual(['node']);
    await client.delete('/node');
    expect(await client.exists('/node')).toBeNull();
  });

  test('a Mutex and a LeaderLatch work over TLS', async () => {
    const [a, b] = await clients.startMany(2, { tls: { ca: server.tls!.ca } });
    const mutex = new Mutex(a!, '/lock');
    const held = await mutex.acquire();
    await expect(new Mutex(b!, '/lock').acquire({ timeoutMs: scaled(300) })).rejects.toThrow();
    await held.release();
    await (await new Mutex(b!, '/lock').acquire({ timeoutMs: scaled(10_000) })).release();

    const first = new LeaderLatch(a!, '/election', { id: 'a' });
    const second = new LeaderLatch(b!, '/election', { id: 'b' });
    try {
      await first.start();
      await first.waitForLeadership({ timeoutMs: scaled(10_000) });
      await second.start();
      expect(second.hasLeadership()).toBe(false);
      await first.close();
      await second.waitForLeadership({ timeoutMs: scaled(10_000) });
      expect(second.hasLeadership()).toBe(true);
    } finally {
      await Promise.all([first.close(), second.close()]);
    }
  });

  test('whoAmI: ip alone without a certificate, the x509 subject with one', async () => {
    const anonymous = await clients.start({ tls: { ca: server.tls!.ca } });
    expect(await anonymous.whoAmI()).toEqual([{ scheme: 'ip', user: '127.0.0.1' }]); // no x509 identity
    const identified = await clients.start({ tls: server.tls!.clientOptions() });
    expect(await identified.whoAmI()).toContainEqual({ scheme: 'x509', user: server.tls!.clientX509Id });
  });

  test('an x509 ACL serves its certificate and refuses another one of the same CA (NO_AUTH)', async () => {
    const owner = await clients.start({ tls: server.tls!.clientOptions() });
    await owner.create('/x509', 'mine', { acl: [acl.x509(server.tls!.clientX509Id, Perms.ALL)] });
    expect((await owner.getData('/x509')).data.toString()).toBe('mine');

    const other = await server.tls!.authority.issue({ purpose: 'client', commonName: 'someone else' });
    const stranger = await clients.start({ tls: { ca: server.tls!.ca, cert: other.cert, key: other.key } });
    expect(await stranger.whoAmI()).toContainEqual({ scheme: 'x509', user: other.x509Id });
    await rejectsWithCode(stranger.getData('/x509'), 'NO_AUTH');
    const anonymous = await clients.start({ tls: { ca: server.tls!.ca } });
    await rejectsWithCode(anonymous.setData('/x509', 'x'), 'NO_AUTH');
  });

  test('reconnects keep TLS: the same session after the server restarts', async () => {
    const client = await clients.start({ tls: { ca: server.tls!.ca }, sessionTimeoutMs: scaled(20_000) });
    await client.create('/before', '');
    const sessionId = client.sessionId;
    const suspended = waitForState(client, 'suspended');
    const reconnected = waitForState(client, 'reconnected');
    await server.restart();
    await suspended;
    expect(await reconnected).toEqual({ sessionId, sessionChanged: false });
    expect(await client.exists('/before')).not.toBeNull();
  });

  test('a session expired through the plain port: lost, then a new session over TLS', async () => {
    const client = await clients.start({ tls: { ca: server.tls!.ca } });
    const reconnected = waitForState(client, 'reconnected');
    await server.expireSession(client);
    expect(await reconnected).toMatchObject({ sessionChanged: true });
    await client.create('/after-expiry', '');
  });

  test('a CA that did not sign the server certificate: TLS_FAILED (UNABLE_TO_VERIFY_LEAF_SIGNATURE) at once', async () => {
    const foreign = await TestCertificateAuthority.create({ commonName: 'foreign CA' });
    const { error, ms } = await failedStart({ connectString: server.connectString, tls: { ca: foreign.cert } });
    expect(tlsCause(error)).toBe('UNABLE_TO_VERIFY_LEAF_SIGNATURE');
    expect(error.message).toMatch(/certificate was refused/);
    expect(ms).toBeLessThan(CONNECT_TIMEOUT_MS / 2);
  });

  test('tls: true trusts only Node\'s default CAs: the test CA is refused', async () => {
    const { error } = await failedStart({ connectString: server.connectString, tls: true });
    expect(tlsCause(error)).toBe('UNABLE_TO_VERIFY_LEAF_SIGNATURE');
  });

  test('servername other than the certificate\'s: TLS_FAILED (ERR_TLS_CERT_ALTNAME_INVALID)', async () => {
    const { error } = await failedStart({ connectString: server.connectString, tls: { ca: server.tls!.ca, servername: 'elsewhere.example' } });
    expect(tlsCause(error)).toBe('ERR_TLS_CERT_ALTNAME_INVALID');
  });

  test('a TLS client against the plain port: TLS_FAILED quickly, saying it may not be a TLS port', async () => {
    const { error, ms } = await failedStart({ connectString: server.plainConnectString, tls: { ca: server.tls!.ca } });
    expect(error.code).toBe('TLS_FAILED');
    expect(error.message).toMatch(/ended during the TLS handshake \(not a TLS port\?\)/);
    expect(ms).toBeLessThan(CONNECT_TIMEOUT_MS / 2);
  });

  test('a plain client against the TLS port: CONNECT_TIMEOUT at the connect timeout, no hang, no crash', async () => {
    const connectionTimeoutMs = scaled(2000);
    const { error, ms } = await failedStart({ connectString: server.connectString, connectionTimeoutMs, namespace: uniqueNamespace() });
    expect(error.code).toBe('CONNECT_TIMEOUT');
    expect(ms).toBeGreaterThanOrEqual(connectionTimeoutMs - 50);
    expect(ms).toBeLessThan(connectionTimeoutMs + scaled(3000));
  });

  test('unusable key material and connection targets are refused by the constructor', () => {
    const connectString = server.connectString;
    expect(() => new ZkClient({ connectString, tls: { ca: server.tls!.ca, cert: server.tls!.clientCert, key: 'not a key' } })).toThrow(TypeError);
    expect(() => new ZkClient({ connectString, tls: { host: 'example.com' } })).toThrow(/tls.host/);
    expect(() => new ZkClient({ connectString, tls: 'yes' as unknown as boolean })).toThrow(TypeError);
    const error = (() => {
      try {
        new ZkClient({ connectString, tls: true, transport: 'node-zookeeper-client' });
      } catch (thrown) {
        return thrown;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(ZkError);
    expect(error).toMatchObject({ code: 'UNIMPLEMENTED', operation: 'connect' });
  });
});

describe('mutual TLS (clientAuth need)', () => {
  const server = sharedServer({ tls: { clientAuth: 'need' } });
  const clients = new Clients(() => server.connectString, { prefix: 'mtls' });
  beforeEach(() => clients.renew());
  afterEach(() => clients.closeAll());

  test('with the client certificate: a session, known as x509', async () => {
    const client = await clients.start({ tls: server.tls!.clientOptions() });
    await client.create('/m', '');
    expect(await client.whoAmI()).toContainEqual({ scheme: 'x509', user: server.tls!.clientX509Id });
  });

  test('without a client certificate: TLS_FAILED naming the server\'s refusal, well within the connect timeout', async () => {
    const { error, ms } = await failedStart({ connectString: server.connectString, tls: { ca: server.tls!.ca } });
    refusedByServer(error);
    expect(ms).toBeLessThan(CONNECT_TIMEOUT_MS / 2);
  });

  test('with a certificate of another CA: TLS_FAILED', async () => {
    const foreign = await TestCertificateAuthority.create({ commonName: 'foreign CA' });
    const intruder = await foreign.issue({ purpose: 'client', commonName: 'intruder' });
    const { error, ms } = await failedStart({
      connectString: server.connectString,
      tls: { ca: server.tls!.ca, cert: intruder.cert, key: intruder.key },
    });
    refusedByServer(error);
    expect(ms).toBeLessThan(CONNECT_TIMEOUT_MS / 2);
  });

  test('an expired client certificate of the right CA: TLS_FAILED', async () => {
    const expired = await server.tls!.authority.issue({ purpose: 'client', expired: true });
    const { error } = await failedStart({ connectString: server.connectString, tls: { ca: server.tls!.ca, cert: expired.cert, key: expired.key } });
    refusedByServer(error);
  });
});

describe('mutual TLS under TLS 1.3 (the server\'s verdict on the client certificate comes after the handshake)', () => {
  const server = sharedServer({
    tls: { clientAuth: 'need' },
    config: { 'ssl.protocol': 'TLSv1.3', 'ssl.enabledProtocols': 'TLSv1.3', 'ssl.ciphersuites': 'TLS_AES_128_GCM_SHA256,TLS_AES_256_GCM_SHA384' },
  });

  test('with the certificate: a TLS 1.3 session; without: TLS_FAILED at once', async () => {
    const client = new ZkClient({ connectString: server.connectString, tls: { ...server.tls!.clientOptions(), minVersion: 'TLSv1.3' } });
    try {
      await client.start();
      expect(await client.whoAmI()).toContainEqual({ scheme: 'x509', user: server.tls!.clientX509Id });
    } finally {
      await client.close();
    }
    const { error, ms } = await failedStart({ connectString: server.connectString, tls: { ca: server.tls!.ca } });
    refusedByServer(error);
    expect(ms).toBeLessThan(CONNECT_TIMEOUT_MS / 2);
  });
});

describe('servers presenting a broken certificate', () => {
  test.each(BROKEN_SERVER_CERTIFICATES)('%s: TLS_FAILED (%s) at once; rejectUnauthorized false connects, with one warning', async (serverCertificate, code) => {
    const server = await TestingServer.start({ tls: { serverCertificate } });
    try {
      const { error, ms } = await failedStart({ connectString: server.connectString, tls: { ca: server.tls!.ca } });
      expect(tlsCause(error)).toBe(code);
      expect(ms).toBeLessThan(CONNECT_TIMEOUT_MS / 2);

      const warnings: string[] = [];
      const logger = { debug: () => undefined, info: () => undefined, error: () => undefined, warn: (_: object, message?: string) => warnings.push(message ?? '') };
      const client = new ZkClient({ connectString: server.connectString, tls: { ca: server.tls!.ca, rejectUnauthorized: false }, logger });
      try {
        await client.start();
        await client.create('/unverified', '');
        expect(warnings.filter((message) => /verification is off/.test(message))).toHaveLength(1);
      } finally {
        await client.close();
      }
    } finally {
      await server.stop();
    }
  });
});
