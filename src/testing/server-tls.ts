/**
 * The TLS mode of {@link TestingServer} and {@link TestingCluster}: certificates made at start, the PEM key
 * and trust stores ZooKeeper reads, and the zoo.cfg entries that make it serve TLS on a second client port.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { inspect } from 'node:util';
import { TestCertificateAuthority, type IssuedCertificate } from './certificates';
import { LOOPBACK } from './ports';
import type { ZooCfgValue } from './server-options';

/** ZooKeeper's `ssl.clientAuth`: whether the server asks clients for a certificate. */
export type ClientAuthMode = 'none' | 'want' | 'need';

/** Options of the test kit's TLS mode. */
export interface TestingTlsOptions {
  /**
   * ZooKeeper's `ssl.clientAuth`: `need` refuses clients without a certificate of the test CA, `want` takes
   * one when offered (and then knows the client as `x509:<subject>`), `none` never asks.
   * @default 'want'
   */
  clientAuth?: ClientAuthMode;
  /**
   * The certificate the server presents: a valid one for 127.0.0.1 and localhost, or a broken one to test
   * that clients refuse it (expired yesterday; valid only for another host name).
   * @default 'valid'
   */
  serverCertificate?: 'valid' | 'expired' | 'wrong-host';
}

/** {@link TestingTlsOptions} with the defaults filled in. */
export type ResolvedTlsOptions = Required<TestingTlsOptions>;

const CLIENT_AUTH_MODES: readonly ClientAuthMode[] = ['none', 'want', 'need'];
const SERVER_CERTIFICATES: ReadonlyArray<ResolvedTlsOptions['serverCertificate']> = ['valid', 'expired', 'wrong-host'];

/** The host name a `wrong-host` server certificate is made for. */
const WRONG_HOST = 'wrong-host.invalid';

/** Resolves the `tls` option (`undefined` or `false`: plain only). */
export function resolveTlsOptions(tls: boolean | TestingTlsOptions | undefined): ResolvedTlsOptions | undefined {
  if (tls === undefined || tls === false) return undefined;
  const options = tls === true ? {} : tls;
  if (typeof options !== 'object' || options === null) throw new TypeError('tls must be a boolean or an options object');
  const resolved: ResolvedTlsOptions = {
    clientAuth: options.clientAuth ?? 'want',
    serverCertificate: options.serverCertificate ?? 'valid',
  };
  if (!CLIENT_AUTH_MODES.includes(resolved.clientAuth)) {
    throw new RangeError(`tls.clientAuth must be one of ${CLIENT_AUTH_MODES.join(', ')}, got ${resolved.clientAuth}`);
  }
  if (!SERVER_CERTIFICATES.includes(resolved.serverCertificate)) {
    throw new RangeError(`tls.serverCertificate must be one of ${SERVER_CERTIFICATES.join(', ')}, got ${resolved.serverCertificate}`);
  }
  return resolved;
}

/**
 * What a TLS test server hands to its clients: the CA to trust, a client certificate of that CA for mutual
 * TLS, and the CA itself to issue more (another client identity, say). `util.inspect` leaves the private
 * key out.
 */
export class TestingTls {
  readonly #client: IssuedCertificate;

  constructor(
    /** The CA that signed the server's and the client's certificates. */
    readonly authority: TestCertificateAuthority,
    client: IssuedCertificate,
    /** The server's `ssl.clientAuth`. */
    readonly clientAuth: ClientAuthMode,
  ) {
    this.#client = client;
  }

  /** The CA certificate (PEM) to trust: the client option `tls: { ca }`. */
  get ca(): string {
    return this.authority.cert;
  }

  /** A client certificate (PEM) of the test CA, for mutual TLS. */
  get clientCert(): string {
    return this.#client.cert;
  }

  /** The client certificate's private key (PEM, unencrypted). */
  get clientKey(): string {
    return this.#client.key;
  }

  /** The client certificate's identity in ZooKeeper's `x509` scheme (for `acl.x509`, and what `whoAmI` says). */
  get clientX509Id(): string {
    return this.#client.x509Id;
  }

  /** `{ ca, cert, key }`: the client's `tls` option for mutual TLS with this server. */
  clientOptions(): {
    /** The CA certificate (PEM) that signed the server's certificate. */
    ca: string;
    /** The client's certificate (PEM). */
    cert: string;
    /** The client's private key (PEM). */
    key: string;
  } {
    return { ca: this.ca, cert: this.clientCert, key: this.clientKey };
  }

  /** Key material stays out of logs and test failure output. */
  [inspect.custom](): string {
    return `TestingTls { clientAuth: '${this.clientAuth}', clientX509Id: '${this.clientX509Id}', ca: <PEM>, clientCert: <PEM>, clientKey: <redacted> }`;
  }
}

/** Makes the CA and certificates and writes ZooKeeper's PEM stores into `directory`. */
export async function prepareServerTls(
  directory: string,
  options: ResolvedTlsOptions,
): Promise<{ tls: TestingTls; config: (securePort: number) => Record<string, ZooCfgValue> }> {
  const authority = await TestCertificateAuthority.create();
  const [server, client] = await Promise.all([
    authority.issue({
      purpose: 'server',
      expired: options.serverCertificate === 'expired',
      hosts: options.serverCertificate === 'wrong-host' ? [WRONG_HOST] : undefined,
    }),
    authority.issue({ purpose: 'client' }),
  ]);
  const tlsDir = path.join(directory, 'tls');
  fs.mkdirSync(tlsDir, { recursive: true, mode: 0o700 });
  const keyStore = path.join(tlsDir, 'server-keystore.pem');
  const trustStore = path.join(tlsDir, 'ca.pem');
  // ZooKeeper's PEM key store: the private key and the certificate chain in one file.
  fs.writeFileSync(keyStore, `${server.key}${server.cert}`, { mode: 0o600 });
  fs.writeFileSync(trustStore, authority.cert);
  const config = (securePort: number): Record<string, ZooCfgValue> => ({
    // Only the Netty connection factory speaks TLS; it serves the plain clientPort too.
    serverCnxnFactory: 'org.apache.zookeeper.server.NettyServerCnxnFactory',
    secureClientPort: securePort,
    secureClientPortAddress: LOOPBACK,
    // Keys ZooKeeper does not know itself become `zookeeper.`-prefixed system properties: its TLS settings.
    'ssl.keyStore.location': keyStore,
    'ssl.keyStore.type': 'PEM',
    'ssl.trustStore.location': trustStore,
    'ssl.trustStore.type': 'PEM',
    'ssl.clientAuth': options.clientAuth,
  });
  return { tls: new TestingTls(authority, client, options.clientAuth), config };
}
