/**
 * The client's TLS: the `tls` option checked and turned into one secure context up front (so a bad key,
 * a wrong passphrase or an unreadable certificate fails in the constructor, not on every reconnect), the
 * socket factory the transport opens every connection with, and which socket failures are TLS failures.
 *
 * Key material is handed to OpenSSL once and not kept: the settings hold the secure context and only the
 * public connection options, so neither `util.inspect` of the client nor Node's socket internals can show
 * a private key or a passphrase.
 */
import * as tls from 'node:tls';
import { inspect } from 'node:util';

/** The client's `tls` option: `true` (verify against Node's default CAs) or Node's TLS connection options. */
export type TlsOption = boolean | tls.ConnectionOptions;

/** Options that say where to connect: the connect string decides that, for every server alike. */
const PLACE_KEYS = ['host', 'port', 'path', 'socket'] as const;

/** Node's codes for a peer certificate that failed verification. */
const CERTIFICATE_CODES: ReadonlySet<string> = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'CERT_REVOKED',
  'CERT_SIGNATURE_FAILURE',
  'INVALID_CA',
  'INVALID_PURPOSE',
  'HOSTNAME_MISMATCH',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

/** The resolved `tls` option: a secure context and the public options of every TLS connection. */
export class TlsSettings {
  readonly #context: tls.SecureContext;
  readonly #connectOptions: tls.ConnectionOptions;

  private constructor(context: tls.SecureContext, connectOptions: tls.ConnectionOptions) {
    this.#context = context;
    this.#connectOptions = connectOptions;
  }

  /**
   * Checks the option and builds the secure context; `undefined` for no TLS. Throws a `TypeError` naming
   * the option for a wrong type or a connection target, and OpenSSL's error (which names no secret) for
   * unusable key material.
   */
  static resolve(option: unknown): TlsSettings | undefined {
    if (option === undefined || option === false) return undefined;
    if (option !== true && (typeof option !== 'object' || option === null || Array.isArray(option))) {
      throw new TypeError(`tls must be true, false or an object of Node's tls.ConnectionOptions, got ${typeof option}`);
    }
    const options: tls.ConnectionOptions = option === true ? {} : option;
    for (const key of PLACE_KEYS) {
      if (options[key] !== undefined) throw new TypeError(`tls.${key} is not taken: every server of connectString is reached alike`);
    }
    if (options.rejectUnauthorized !== undefined && typeof options.rejectUnauthorized !== 'boolean') {
      throw new TypeError('tls.rejectUnauthorized must be a boolean');
    }
    let context: tls.SecureContext;
    try {
      context = options.secureContext ?? tls.createSecureContext(options);
    } catch (error) {
      // OpenSSL's message ("bad decrypt", "no start line") names the problem, never the key or passphrase.
      throw new TypeError(`tls: the key material cannot be used: ${(error as Error).message}`, { cause: error });
    }
    // What goes into the secure context only (and never onto a socket's options) is left out.
    const { key: _key, passphrase: _passphrase, pfx: _pfx, cert: _cert, ca: _ca, crl: _crl, secureContext: _secureContext, ...connectOptions } = options;
    return new TlsSettings(context, connectOptions);
  }

  /** False only when the user turned certificate verification off (`rejectUnauthorized: false`). */
  get verifiesServer(): boolean {
    return this.#connectOptions.rejectUnauthorized !== false;
  }

  /**
   * Opens a TLS connection to `host:port` (host names checked against the server's certificate unless
   * verification is off). `onFailure` is called when the connection fails in a way only TLS explains: a
   * certificate refused by either side, or the server hanging up during the handshake (not a TLS port).
   * The transport sees the same socket events and reconnects as usual.
   */
  connect(host: string, port: number, onFailure: (error: Error) => void): tls.TLSSocket {
    const socket = tls.connect({ ...this.#connectOptions, host, port, secureContext: this.#context });
    let reached = false;
    let secured = false;
    let reported = false;
    const report = (error: Error): void => {
      if (reported) return;
      reported = true;
      onFailure(error);
    };
    socket.once('connect', () => (reached = true));
    socket.once('secureConnect', () => (secured = true));
    socket.on('error', (error: NodeJS.ErrnoException) => {
      if (isTlsError(error) || (reached && !secured)) report(error);
    });
    socket.once('close', () => {
      if (reached && !secured) report(new Error('closed by the server'));
    });
    return socket;
  }

  /** Public settings only: key material is not held, and the context is opaque. */
  [inspect.custom](): string {
    const shown = Object.entries(this.#connectOptions)
      .filter(([, value]) => typeof value === 'string' || typeof value === 'boolean' || typeof value === 'number')
      .map(([key, value]) => `${key}: ${JSON.stringify(value)}`);
    return `TlsSettings { ${[...shown, 'secureContext: <opaque>'].join(', ')} }`;
  }

  /** JSON shows no more than `util.inspect`. */
  toJSON(): string {
    return this[inspect.custom]();
  }
}

/**
 * True for an error of TLS itself: a refused certificate, an alert from the server, a protocol mismatch.
 * OpenSSL's errors surface as `ERR_SSL_*` or, from a socket write, as `EPROTO`. This matters after the
 * handshake: under TLS 1.3 the server's verdict on our certificate comes after `secureConnect`.
 */
function isTlsError(error: NodeJS.ErrnoException): boolean {
  const code = error.code ?? '';
  return CERTIFICATE_CODES.has(code) || code.startsWith('ERR_SSL_') || code.startsWith('ERR_TLS_') || code === 'EPROTO';
}

/** OpenSSL's name of the alert the server sent ("alert bad certificate"), else the error code. */
function alertName(error: NodeJS.ErrnoException): string {
  return /alert [a-z ]*[a-z]/i.exec(error.message)?.[0] ?? error.code ?? 'alert';
}

/** A readable reason for a TLS failure, for the error message (the cause keeps Node's error). */
export function describeTlsFailure(error: NodeJS.ErrnoException): string {
  const code = error.code ?? '';
  if (CERTIFICATE_CODES.has(code)) return `the server's certificate was refused (${code}: ${error.message})`;
  if (/alert/i.test(`${code} ${error.message}`)) {
    return `the server refused the TLS connection (${alertName(error)}; a client certificate it does not accept, or none where it needs one)`;
  }
  return `the connection ended during the TLS handshake (not a TLS port?): ${error.message}`;
}
