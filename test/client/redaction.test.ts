/**
 * Credentials never leak: a run with digest passwords, a passphrase-protected client key and failures of
 * every kind (a wrong password, refused credentials, a wrong CA, a wrong passphrase, a killed server),
 * with everything the library logs, publishes on diagnostics_channel, emits and throws captured, plus
 * `util.inspect` and JSON of the clients. No secret may show up anywhere.
 */
import { createPrivateKey, randomBytes } from 'node:crypto';
import diagnostics from 'node:diagnostics_channel';
import { inspect } from 'node:util';
import { acl, Perms, ZkClient, type Logger, type ZkClientOptions } from '../../src/client';
import { TestCertificateAuthority, TestingServer } from '../../src/testing';
import { scaled, uniqueNamespace, waitForState } from '../helpers';

const password = `pw-${randomBytes(8).toString('hex')}`;
const wrongPassword = `wrong-${randomBytes(8).toString('hex')}`;
const refusedSecret = `refused-${randomBytes(8).toString('hex')}`;
const passphrase = `passphrase-${randomBytes(8).toString('hex')}`;

/** Everything seen during the run, as text. */
const seen: string[] = [];
const show = (value: unknown): void => {
  seen.push(inspect(value, { depth: Infinity, showHidden: true, getters: true }));
  try {
    seen.push(JSON.stringify(value, (_, v: unknown) => (typeof v === 'bigint' ? String(v) : v)) ?? '');
  } catch {
    // circular structures: inspect above has them
  }
};
const logger: Logger = {
  debug: (object, message) => show([object, message]),
  info: (object, message) => show([object, message]),
  warn: (object, message) => show([object, message]),
  error: (object, message) => show([object, message]),
};
const onMessage = (message: unknown, name: string | symbol): void => show([name, message]);

let server: TestingServer;
let secrets: string[];
const made: ZkClient[] = [];

beforeAll(async () => {
  server = await TestingServer.start({ tls: true });
  // The key material as it would sit in a file: encrypted with the passphrase; also its unencrypted body.
  const encryptedKey = createPrivateKey(server.tls!.clientKey)
    .export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase })
    .toString();
  const bodyLines = (pem: string): string[] => pem.split('\n').filter((line) => line.length > 20 && !line.startsWith('-----'));
  secrets = [password, wrongPassword, refusedSecret, passphrase, ...bodyLines(encryptedKey), ...bodyLines(server.tls!.clientKey)];
  keyOptions = { ca: server.tls!.ca, cert: server.tls!.clientCert, key: encryptedKey, passphrase };
  diagnostics.subscribe('zk-recipes:op', onMessage);
  diagnostics.subscribe('zk-recipes:state', onMessage);
});
afterAll(async () => {
  diagnostics.unsubscribe('zk-recipes:op', onMessage);
  diagnostics.unsubscribe('zk-recipes:state', onMessage);
  await Promise.all(made.map((client) => client.close()));
  await server?.stop();
});

let keyOptions: { ca: string; cert: string; key: string; passphrase: string };

/** A client whose events, inspection and failures all end up in `seen`. */
function client(options: Partial<ZkClientOptions>): ZkClient {
  const made_ = new ZkClient({ connectString: server.connectString, sessionTimeoutMs: 4000, connectionTimeoutMs: scaled(8000), logger, ...options });
  made.push(made_);
  made_.on('state', (state, info) => show([state, info]));
  show(made_);
  return made_;
}

/** Runs `step`, recording what it throws (or its result). */
async function record(step: () => Promise<unknown>): Promise<void> {
  try {
    show(await step());
  } catch (error) {
    show(error);
    seen.push(String(error), (error as Error).stack ?? '');
  }
}

test('no password, passphrase or key material in anything logged, published, emitted, thrown or inspected', async () => {
  const namespace = uniqueNamespace('redaction');
  const owner = client({ namespace, tls: keyOptions, auth: [{ scheme: 'digest', auth: `owner:${password}` }] });
  await owner.start();
  await owner.create('/guarded', 'data', { acl: [acl.digest('owner', password, Perms.ALL)] });
  await record(() => owner.getData('/guarded'));

  // A wrong password: NO_AUTH on the node.
  const intruder = client({ namespace, tls: keyOptions, auth: [{ scheme: 'digest', auth: `owner:${wrongPassword}` }] });
  await record(() => intruder.start());
  await record(() => intruder.getData('/guarded'));
  await record(() => intruder.addAuth({ scheme: 'digest', auth: `other:${wrongPassword}` }));

  // Credentials the server refuses: AUTH_FAILED, the client closes.
  await record(() => client({ namespace, tls: keyOptions, auth: [{ scheme: 'no-such-scheme', auth: refusedSecret }] }).start());

  // A CA that did not sign the server's certificate: TLS_FAILED.
  const foreign = await TestCertificateAuthority.create({ commonName: 'foreign CA' });
  await record(() => client({ tls: { ...keyOptions, ca: foreign.cert }, auth: [{ scheme: 'digest', auth: `owner:${password}` }] }).start());

  // A wrong passphrase: the constructor refuses the key.
  await record(async () => client({ tls: { ...keyOptions, passphrase: `${passphrase}-not` } }));

  // The server killed under a live session: suspended, failing operations, then back.
  const suspended = waitForState(owner, 'suspended');
  await server.kill();
  await suspended;
  await record(() => owner.getData('/guarded', { timeoutMs: scaled(500) }));
  const reconnected = waitForState(owner, 'reconnected');
  await server.restart();
  await reconnected;
  await record(() => owner.getData('/guarded'));
  show(owner);
  show(intruder);

  expect(seen.length).toBeGreaterThan(20);
  const everything = seen.join('\n');
  expect(everything).toContain('NO_AUTH');
  expect(everything).toContain('TLS_FAILED');
  expect(everything).toContain('AUTH_FAILED');
  expect(everything).toContain('suspended');
  for (const secret of secrets) expect(everything).not.toContain(secret);
});
