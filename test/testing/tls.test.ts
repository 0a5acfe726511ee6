/**
 * The test kit's TLS mode against real ZooKeeper JVMs: TLS on the client ports with certificates made at
 * start, the plain port beside it, mutual TLS modes, and the broken certificates it can make on purpose.
 * Checked with bare Node TLS sockets and a session handshake, independently of the client.
 */
import { X509Certificate } from 'node:crypto';
import * as fs from 'node:fs';
import * as tls from 'node:tls';
import { inspect } from 'node:util';
import { OpenSslNotFoundError, parseMode, TestCertificateAuthority, TestingCluster, TestingServer } from '../../src/testing';
import { parseHostPort } from '../../src/testing/ports';
import { connectRequest, FrameSplitter } from '../../src/testing/frames';
import { scaled } from '../helpers';
import { BROKEN_SERVER_CERTIFICATES } from '../helpers/tls';

/** The local addresses of the IPv4 and IPv6 TCP sockets listening on `port`, from /proc/net/tcp*. */
function listeningAddresses(port: number): string[] {
  const LISTEN = '0A';
  const addresses: string[] = [];
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    for (const line of fs.readFileSync(table, 'utf8').trim().split('\n').slice(1)) {
      const [, local = '', , state] = line.trim().split(/\s+/);
      const [hexAddress = '', hexPort = ''] = local.split(':');
      if (state !== LISTEN || parseInt(hexPort, 16) !== port) continue;
      // IPv4 in /proc/net/tcp is little-endian hex: 0100007F is 127.0.0.1.
      addresses.push(hexAddress.length === 8 ? Buffer.from(hexAddress, 'hex').reverse().join('.') : hexAddress);
    }
  }
  return addresses;
}

/** What a bare TLS connection that sends a ConnectRequest got: a session, or the TLS error. */
type Handshake = { session: true; protocol: string | null } | { session: false; code: string | undefined };

/** Opens a TLS socket to `server`, asks for a new session, and reports what happened. */
function tlsHandshake(server: string, options: tls.ConnectionOptions): Promise<Handshake> {
  return new Promise((resolve, reject) => {
    const { host, port } = parseHostPort(server);
    const socket = tls.connect({ host, port, ...options });
    const decoder = new FrameSplitter();
    const timer = setTimeout(() => finish(new Error(`no answer from ${server}`)), scaled(10_000));
    function finish(outcome: Handshake | Error): void {
      clearTimeout(timer);
      socket.destroy();
      if (outcome instanceof Error) reject(outcome);
      else resolve(outcome);
    }
    socket.on('secureConnect', () => {
      socket.write(connectRequest({ sessionId: Buffer.alloc(8), password: Buffer.alloc(16), timeoutMs: 30_000 }));
    });
    socket.on('data', (chunk: Buffer) => {
      // ConnectResponse: length, protocolVersion, timeOut (> 0 for a new session), sessionId, passwd.
      const [response] = decoder.push(chunk);
      if (!response) return;
      finish(response.readInt32BE(8) > 0 ? { session: true, protocol: socket.getProtocol() } : { session: false, code: 'refused' });
    });
    socket.on('error', (error: NodeJS.ErrnoException) => finish({ session: false, code: error.code }));
    socket.on('close', () => finish({ session: false, code: 'closed' }));
  });
}

describe('TestingServer.start({ tls: true })', () => {
  let server: TestingServer;
  beforeAll(async () => {
    server = await TestingServer.start({ tls: true });
  });
  afterAll(() => server?.stop());

  test('serves TLS on connectString and plain on plainConnectString, both on loopback', async () => {
    expect(server.connectString).toBe(`127.0.0.1:${server.port}`);
    expect(server.plainConnectString).toBe(`127.0.0.1:${server.plainPort}`);
    expect(server.port).not.toBe(server.plainPort);
    expect(parseMode(await server.fourLetterWord('srvr'))).toBe('standalone');
    const conf = await server.fourLetterWord('conf');
    expect(conf).toMatch(new RegExp(`^secureClientPort=${server.port}$`, 'm'));
    expect(conf).toMatch(new RegExp(`^clientPort=${server.plainPort}$`, 'm'));
    expect(listeningAddresses(server.port)).toEqual(['127.0.0.1']);
    expect(listeningAddresses(server.plainPort)).toEqual(['127.0.0.1']);
  });

  test('a client trusting the kit\'s CA gets a session; host names 127.0.0.1 and localhost are checked and valid', async () => {
    const ca = server.tls!.ca;
    expect(await tlsHandshake(server.connectString, { ca })).toMatchObject({ session: true });
    expect(await tlsHandshake(`localhost:${server.port}`, { ca, host: '127.0.0.1', servername: 'localhost' })).toMatchObject({
      session: true,
    });
    // Without the CA, Node's default trust store refuses the certificate.
    expect(await tlsHandshake(server.connectString, {})).toEqual({ session: false, code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' });
  });

  test('clientAuth want (the default): with or without a client certificate', async () => {
    expect(server.tls!.clientAuth).toBe('want');
    expect(await tlsHandshake(server.connectString, { ca: server.tls!.ca })).toMatchObject({ session: true });
    expect(await tlsHandshake(server.connectString, { ...server.tls!.clientOptions() })).toMatchObject({ session: true });
  });

  test('the client material: a PEM CA and client pair, its x509 id, and no private key in util.inspect', () => {
    const material = server.tls!;
    const cert = new X509Certificate(material.clientCert);
    expect(cert.verify(new X509Certificate(material.ca).publicKey)).toBe(true);
    expect(cert.subject.split('\n').reverse().join(',')).toBe(material.clientX509Id);
    expect(material.clientX509Id).toBe('CN=client,O=zk-recipes test');
    expect(material.clientKey).toMatch(/^-----BEGIN PRIVATE KEY-----/);
    for (const shown of [inspect(material), inspect(server, { depth: 5 }), inspect(material.authority, { depth: 5 })]) {
      expect(shown).not.toContain('PRIVATE KEY');
    }
  });

  test('restart() keeps both ports and the certificates', async () => {
    const { port, plainPort } = server;
    const ca = server.tls!.ca;
    await server.restart();
    expect([server.port, server.plainPort, server.tls!.ca]).toEqual([port, plainPort, ca]);
    expect(await tlsHandshake(server.connectString, { ca })).toMatchObject({ session: true });
  });
});

describe('clientAuth need', () => {
  let server: TestingServer;
  beforeAll(async () => {
    server = await TestingServer.start({ tls: { clientAuth: 'need' } });
  });
  afterAll(() => server?.stop());

  test('serves a client with the kit\'s client certificate', async () => {
    expect(await tlsHandshake(server.connectString, server.tls!.clientOptions())).toMatchObject({ session: true });
  });

  test('refuses a client without a certificate, and one with a certificate of a foreign CA', async () => {
    const without = await tlsHandshake(server.connectString, { ca: server.tls!.ca });
    expect(without.session).toBe(false);
    const foreign = await TestCertificateAuthority.create({ commonName: 'foreign CA' });
    const intruder = await foreign.issue({ purpose: 'client', commonName: 'intruder' });
    const withForeign = await tlsHandshake(server.connectString, { ca: server.tls!.ca, cert: intruder.cert, key: intruder.key });
    expect(withForeign.session).toBe(false);
  });
});

describe('broken server certificates, made on purpose', () => {
  test.each(BROKEN_SERVER_CERTIFICATES)('serverCertificate %s: a verifying client refuses it (%s)', async (serverCertificate, code) => {
    const server = await TestingServer.start({ tls: { serverCertificate } });
    try {
      expect(await tlsHandshake(server.connectString, { ca: server.tls!.ca })).toEqual({ session: false, code });
      // The server itself serves: it is only the certificate that is wrong.
      expect(parseMode(await server.fourLetterWord('srvr'))).toBe('standalone');
    } finally {
      await server.stop();
    }
  });
});

describe('TestCertificateAuthority', () => {
  test('issues expired and wrong-host certificates, and client certificates without host names', async () => {
    const ca = await TestCertificateAuthority.create();
    const expired = new X509Certificate((await ca.issue({ purpose: 'client', expired: true })).cert);
    expect(Date.parse(expired.validTo)).toBeLessThan(Date.now());
    const wrongHost = new X509Certificate((await ca.issue({ purpose: 'server', hosts: ['elsewhere.example'] })).cert);
    expect(wrongHost.subjectAltName).toBe('DNS:elsewhere.example');
    expect(wrongHost.checkIP('127.0.0.1')).toBeUndefined();
    const server = new X509Certificate((await ca.issue({ purpose: 'server' })).cert);
    expect(server.checkIP('127.0.0.1')).toBe('127.0.0.1');
    expect(server.checkHost('localhost')).toBe('localhost');
    expect(new X509Certificate((await ca.issue({ purpose: 'client' })).cert).subjectAltName).toBeUndefined();
    await expect(ca.issue({ purpose: 'client', commonName: 'a/b' })).rejects.toThrow(TypeError);
  });

  test('without openssl: OpenSslNotFoundError saying how to get it', async () => {
    const missing = TestCertificateAuthority.create({ openssl: '/nonexistent/openssl' });
    await expect(missing).rejects.toThrow(OpenSslNotFoundError);
    await expect(missing).rejects.toThrow(/apt-get install openssl/);
  });
});

describe('TestingCluster.start({ size: 3, tls: true })', () => {
  let cluster: TestingCluster;
  beforeAll(async () => {
    cluster = await TestingCluster.start({ size: 3, tls: { clientAuth: 'need' } });
  });
  afterAll(() => cluster?.stop());

  test('every member serves TLS on its connectString entry and plain on its clientPort, with one CA', async () => {
    expect(cluster.connectString.split(',')).toEqual(cluster.servers.map((member) => member.connectString));
    expect(cluster.plainConnectString.split(',')).toEqual(cluster.servers.map((member) => `127.0.0.1:${member.clientPort}`));
    for (const member of cluster.servers) {
      expect(member.connectString).toBe(`127.0.0.1:${member.secureClientPort}`);
      expect(await tlsHandshake(member.connectString, cluster.tls!.clientOptions())).toMatchObject({ session: true });
      expect((await tlsHandshake(member.connectString, { ca: cluster.tls!.ca })).session).toBe(false);
    }
    expect(await cluster.waitForLeader()).toBeGreaterThanOrEqual(0);
  });

  test('a killed member comes back with TLS on the same port', async () => {
    const leader = await cluster.waitForLeader();
    const before = cluster.servers[leader]!.connectString;
    await cluster.kill(leader);
    await cluster.restart(leader);
    expect(cluster.connectStringOf(leader)).toBe(before);
    expect(await tlsHandshake(before, cluster.tls!.clientOptions())).toMatchObject({ session: true });
  });
});
