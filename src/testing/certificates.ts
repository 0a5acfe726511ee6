/**
 * Throwaway X.509 material for TLS tests, made with the `openssl` command line (present on Debian and most
 * systems; no npm dependency and no crypto code of our own): a certificate authority, server certificates
 * for loopback, client certificates for mutual TLS, and deliberately broken ones (expired, wrong host, from
 * a foreign CA) to test that clients refuse them.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/** Thrown when the `openssl` command is missing; the message says how to get it. */
export class OpenSslNotFoundError extends Error {
  override readonly name = 'OpenSslNotFoundError';
}

/** What a certificate is for: a server (TLS server auth, with host names) or a client (mutual TLS). */
export type CertificatePurpose = 'server' | 'client';

/** Options of {@link TestCertificateAuthority.create}. */
export interface CertificateAuthorityOptions {
  /** The CA's common name. @default 'zk-recipes test CA' */
  commonName?: string;
  /** The `openssl` executable (a name looked up on PATH, or a path). @default 'openssl' */
  openssl?: string;
}

/** Options of {@link TestCertificateAuthority.issue}. */
export interface IssueOptions {
  /** Server or client certificate. */
  purpose: CertificatePurpose;
  /** The subject's common name (letters, digits, space, `.`, `_`, `-`). @default 'localhost' for a server, 'client' for a client */
  commonName?: string;
  /** Subject alternative names: IP addresses and DNS names the certificate is valid for. @default ['127.0.0.1', 'localhost'] for a server, none for a client */
  hosts?: string[];
  /** Make a certificate whose validity ended yesterday. @default false */
  expired?: boolean;
}

/** A certificate and its private key, PEM-encoded. */
export interface IssuedCertificate {
  /** The certificate (PEM). */
  readonly cert: string;
  /** Its unencrypted PKCS#8 private key (PEM). */
  readonly key: string;
  /**
   * The subject as ZooKeeper's `x509` scheme names it (RFC 2253, e.g. `CN=client,O=zk-recipes test`): the id
   * for `acl.x509(...)`, and what `whoAmI` reports.
   */
  readonly x509Id: string;
}

const ORGANIZATION = 'zk-recipes test';
const NAME = /^[A-Za-z0-9 ._-]{1,64}$/;
/** Long enough for any test run, short enough that a leaked file is worthless soon. */
const VALID_DAYS = 2;

/**
 * A certificate authority for tests. Keys are EC P-256 (fast to make, and accepted by ZooKeeper's PEM key
 * stores); nothing is kept on disk between calls.
 *
 * @example
 * ```ts
 * const foreign = await TestCertificateAuthority.create({ commonName: 'foreign CA' });
 * const intruder = await foreign.issue({ purpose: 'client', commonName: 'intruder' });
 * const client = new ZkClient({ connectString: server.connectString, tls: { ca: server.tls!.ca, cert: intruder.cert, key: intruder.key } });
 * ```
 */
export class TestCertificateAuthority {
  /** A `#` field: `util.inspect` and JSON never show it. */
  readonly #key: string;

  private constructor(
    /** The CA's certificate (PEM): what clients and servers trust. */
    readonly cert: string,
    key: string,
    private readonly command: string,
  ) {
    this.#key = key;
  }

  /** Makes a new self-signed CA. Rejects with {@link OpenSslNotFoundError} when `openssl` is missing. */
  static async create(options: CertificateAuthorityOptions = {}): Promise<TestCertificateAuthority> {
    const { commonName = 'zk-recipes test CA', openssl: command = 'openssl' } = options;
    checkName(commonName);
    return withScratchDir(async (dir) => {
      await openssl(command, dir, [
        'req', '-x509', ...newKey(), '-keyout', 'ca.key', '-out', 'ca.pem',
        '-days', String(VALID_DAYS), '-subj', subject(commonName),
        '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign',
      ]);
      return new TestCertificateAuthority(read(dir, 'ca.pem'), read(dir, 'ca.key'), command);
    });
  }

  /** Issues a certificate signed by this CA. */
  async issue(options: IssueOptions): Promise<IssuedCertificate> {
    const { purpose } = options;
    if (purpose !== 'server' && purpose !== 'client') throw new TypeError(`purpose must be 'server' or 'client', got ${String(purpose)}`);
    const commonName = options.commonName ?? (purpose === 'server' ? 'localhost' : 'client');
    checkName(commonName);
    const hosts = options.hosts ?? (purpose === 'server' ? ['127.0.0.1', 'localhost'] : []);
    const extensions = [
      'basicConstraints=CA:FALSE',
      'keyUsage=critical,digitalSignature,keyEncipherment',
      `extendedKeyUsage=${purpose === 'server' ? 'serverAuth' : 'clientAuth'}`,
      ...(hosts.length > 0 ? [`subjectAltName=${hosts.map(altName).join(',')}`] : []),
    ];
    return withScratchDir(async (dir) => {
      fs.writeFileSync(path.join(dir, 'ca.pem'), this.cert);
      fs.writeFileSync(path.join(dir, 'ca.key'), this.#key, { mode: 0o600 });
      fs.writeFileSync(path.join(dir, 'ext.cnf'), `${extensions.join('\n')}\n`);
      await openssl(this.command, dir, ['req', '-new', ...newKey(), '-keyout', 'key.pem', '-out', 'csr.pem', '-subj', subject(commonName)]);
      await openssl(this.command, dir, [
        'x509', '-req', '-in', 'csr.pem', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-out', 'cert.pem',
        '-set_serial', `0x${randomBytes(8).toString('hex')}`, '-extfile', 'ext.cnf',
        // A negative validity: notAfter lies a day before notBefore (now), so the certificate is expired.
        '-days', options.expired ? '-1' : String(VALID_DAYS),
      ]);
      return { cert: read(dir, 'cert.pem'), key: read(dir, 'key.pem'), x509Id: `CN=${commonName},O=${ORGANIZATION}` };
    });
  }
}

/** O before CN in the certificate, so that RFC 2253 (which lists the last first) reads `CN=...,O=...`. */
function subject(commonName: string): string {
  return `/O=${ORGANIZATION}/CN=${commonName}`;
}

function checkName(name: string): void {
  if (typeof name !== 'string' || !NAME.test(name)) {
    throw new TypeError(`a certificate name must be 1-64 letters, digits, spaces, '.', '_' or '-', got ${JSON.stringify(name)}`);
  }
}

function altName(host: string): string {
  if (/^[\d.]+$/.test(host) || host.includes(':')) return `IP:${host}`;
  if (!/^[A-Za-z0-9.-]+$/.test(host)) throw new TypeError(`not a host name or IP address: ${JSON.stringify(host)}`);
  return `DNS:${host}`;
}

function newKey(): string[] {
  return ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
}

function read(dir: string, name: string): string {
  return fs.readFileSync(path.join(dir, name), 'utf8');
}

/** Runs `fn` in a private temporary directory that is removed afterwards (it holds private keys). */
async function withScratchDir<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'zk-recipes-certs-'));
  try {
    return await fn(dir);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function openssl(command: string, cwd: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(command, args, { cwd }, (error, _stdout, stderr) => {
      if (!error) {
        resolve();
        return;
      }
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
        reject(
          new OpenSslNotFoundError(
            `The TLS mode of the test kit makes its certificates with the \`openssl\` command; ${JSON.stringify(command)} was not found. ` +
              'Install it (Debian/Ubuntu: `apt-get install openssl`; macOS: it ships with the system or `brew install openssl`).',
          ),
        );
        return;
      }
      reject(new Error(`openssl ${args[0]} failed: ${stderr.trim() || error.message}`));
    });
  });
}
