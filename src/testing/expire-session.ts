/**
 * Session expiry on demand, the classic way: open a second connection with the victim's session id and
 * password (the server moves the session onto it and drops the victim's connection), then close the session
 * on that connection. When the victim reconnects, the server tells it the session has expired.
 *
 * The trick races with the victim's own reconnect: if the victim reconnects between our handshake and our
 * close, it takes the session back and our close never happens. So {@link expireSession} retries until the
 * victim has actually reported `lost`.
 */
import * as net from 'node:net';
import type { SessionCredentials, ZooKeeperClient } from '../client/types';
import { connectRequest, FrameSplitter, frameXid, headerOnlyRequest } from './frames';
import { parseHostPort } from './ports';

/** Options of {@link expireSession}. */
export interface ExpireSessionOptions {
  /** Give up after this many milliseconds. @default the larger of 30 s and 4 × the session timeout */
  timeoutMs?: number;
  /** Give up when this signal aborts (rejects with `signal.reason`). */
  signal?: AbortSignal;
}

/** What one attempt of {@link closeSessionWithCredentials} achieved. */
export type CloseSessionOutcome =
  /** The server confirmed the close: the session is gone. */
  | 'closed'
  /** The server refused the session id and password: the session had already expired or been closed. */
  | 'already-expired'
  /** The connection was dropped before the close was confirmed: the owner reconnected first. */
  | 'taken-back';

const CLOSE_SESSION_XID = 1;
const OP_CLOSE_SESSION = -11;

/**
 * Expires `client`'s session from the server side, through any server of `connectString` (a chroot suffix
 * is ignored). Resolves once the client has emitted `lost`; it then reconnects with a new session
 * (`reconnected` with `sessionChanged: true`). Rejects when the client has no live session, or has not
 * reported `lost` in time.
 */
export async function expireSession(
  client: ZooKeeperClient,
  connectString: string,
  options: ExpireSessionOptions = {},
): Promise<void> {
  const { signal } = options;
  if (signal?.aborted) throw signal.reason;
  const credentials = client.sessionCredentials();
  if (!credentials) {
    throw new Error(`expireSession: the client has no live session to expire (state: ${client.state})`);
  }
  const servers = parseServers(connectString);
  const timeoutMs = options.timeoutMs ?? Math.max(30_000, 4 * credentials.timeoutMs);
  const deadline = Date.now() + timeoutMs;
  const sessionHex = credentials.sessionId.toString('hex');

  let lost = false;
  let wakeUp: (() => void) | undefined;
  const onState = (state: string): void => {
    if (state === 'lost') {
      lost = true;
      wakeUp?.();
    }
  };
  /** Resolves after `ms`, or as soon as `lost` is seen or the signal aborts; leaves no timer or listener behind. */
  const waitForLost = (ms: number): Promise<void> =>
    new Promise<void>((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', done);
        wakeUp = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      wakeUp = done;
      signal?.addEventListener('abort', done, { once: true });
      if (lost || signal?.aborted) done();
    });
  client.on('state', onState);
  try {
    const history: string[] = [];
    for (let attempt = 0; !lost; attempt++) {
      const remaining = deadline - Date.now();
      if (remaining <= 0) {
        throw new Error(
          `expireSession: client (session 0x${sessionHex}) did not report 'lost' within ${timeoutMs} ms; ` +
            `attempts: ${history.length}${history.length > 5 ? ', the last 5' : ''}: ${history.slice(-5).join('; ') || 'none'}`,
        );
      }
      const server = servers[attempt % servers.length]!;
      let outcome: CloseSessionOutcome | undefined;
      try {
        outcome = await closeSessionWithCredentials(server, credentials, {
          timeoutMs: Math.min(5000, remaining),
          signal,
        });
        history.push(`${server}: ${outcome}`);
      } catch (error) {
        if (signal?.aborted) throw signal.reason;
        history.push(`${server}: ${error instanceof Error ? error.message : String(error)}`);
      }
      // Once the session is gone, the client reports `lost` when it next reaches a server: wait for that
      // as long as we may. After a lost race or a failure, try again soon.
      const settled = outcome === 'closed' || outcome === 'already-expired';
      const window = settled ? deadline - Date.now() : Math.min(100 * (attempt + 1), 1000);
      await waitForLost(Math.max(0, window));
      if (signal?.aborted) throw signal.reason;
    }
  } finally {
    client.off('state', onState);
  }
}

/**
 * One attempt of the trick against one server (`host:port`): connect as the session, then close it.
 * Resolves with what happened; rejects when the server cannot be reached or does not answer in time.
 */
export function closeSessionWithCredentials(
  server: string,
  credentials: Pick<SessionCredentials, 'sessionId' | 'password' | 'timeoutMs'>,
  options: { timeoutMs?: number; signal?: AbortSignal | undefined } = {},
): Promise<CloseSessionOutcome> {
  const { timeoutMs = 5000, signal } = options;
  if (signal?.aborted) return Promise.reject(signal.reason);
  if (credentials.sessionId.length !== 8) {
    return Promise.reject(new RangeError(`sessionId must be 8 bytes, got ${credentials.sessionId.length}`));
  }
  const { host, port } = parseHostPort(server);

  return new Promise<CloseSessionOutcome>((resolve, reject) => {
    const decoder = new FrameSplitter();
    let stage: 'handshake' | 'closing' = 'handshake';
    let settled = false;
    const socket = net.connect({ host, port });
    const timer = setTimeout(
      () => finish(new Error(`no answer from ${server} within ${timeoutMs} ms (stage: ${stage})`)),
      timeoutMs,
    );
    const onAbort = (): void => finish(signal?.reason);
    signal?.addEventListener('abort', onAbort, { once: true });

    function finish(result: CloseSessionOutcome | unknown): void {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      socket.destroy();
      if (result === 'closed' || result === 'already-expired' || result === 'taken-back') resolve(result);
      else reject(result);
    }

    function onFrame(packet: Buffer): void {
      if (stage === 'handshake') {
        // ConnectResponse: protocolVersion int32, timeOut int32, sessionId int64, passwd, [readOnly bool].
        const negotiatedTimeout = packet.length >= 12 ? packet.readInt32BE(8) : 0;
        if (negotiatedTimeout <= 0) {
          finish('already-expired');
          return;
        }
        stage = 'closing';
        return;
      }
      // Reply header: xid int32, zxid int64, err int32. Pings and notifications may come first.
      if (frameXid(packet) !== CLOSE_SESSION_XID) return;
      const err = packet.length >= 20 ? packet.readInt32BE(16) : NaN;
      finish(err === 0 ? 'closed' : new Error(`closeSession on ${server} failed with ZooKeeper error ${err}`));
    }

    // Both at once: the close is queued right behind the handshake, which leaves the owner the smallest
    // window to reconnect in between.
    socket.on('connect', () => socket.write(Buffer.concat([connectRequest(credentials), headerOnlyRequest(CLOSE_SESSION_XID, OP_CLOSE_SESSION)])));
    socket.on('data', (chunk: Buffer) => {
      try {
        for (const packet of decoder.push(chunk)) onFrame(packet);
      } catch (error) {
        finish(error);
      }
    });
    socket.on('error', (error) => finish(error));
    // Dropped before the close was confirmed: the owner reconnected and took the session back.
    socket.on('close', () => finish('taken-back'));
  });
}

/** The `host:port` entries of a connect string, without its chroot. */
export function parseServers(connectString: string): string[] {
  const slash = connectString.indexOf('/');
  const hosts = (slash >= 0 ? connectString.slice(0, slash) : connectString)
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry.length > 0);
  if (hosts.length === 0) throw new Error(`connect string ${JSON.stringify(connectString)} names no server`);
  for (const host of hosts) parseHostPort(host);
  return hosts;
}
