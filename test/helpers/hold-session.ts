/**
 * {@link holdSession}: keeps a client's session alive on the server after the client itself has given it up,
 * so a test can look at what that session left behind without racing the server's session expiry.
 */
import * as net from 'node:net';
import type { SessionCredentials } from '../../src/client/types';
import { parseServers } from '../../src/testing/expire-session';
import { connectRequest, FrameSplitter, frameXid, headerOnlyRequest } from '../../src/testing/frames';
import { parseHostPort } from '../../src/testing/ports';

const XID_PING = -2;
const OP_PING = 11;
const XID_CLOSE_SESSION = 1;
const OP_CLOSE_SESSION = -11;

/** A session held open by {@link holdSession}. */
export interface HeldSession {
  /** The negotiated session timeout of the held connection. */
  readonly timeoutMs: number;
  /** True once the server dropped the held connection (the session may then expire). */
  readonly dropped: boolean;
  /**
   * Stops holding: closes the session on the server (deleting its ephemeral nodes) and the connection.
   * Resolves once the server confirmed the close or dropped the connection; idempotent.
   */
  release(): Promise<void>;
}

/**
 * Takes over `credentials`' session on `connectString` (its first server, not a proxy in front of it: the
 * session must survive the proxy cutting the client off) with a plain socket: a ConnectRequest with the
 * session id and password, then a ping (xid -2, type 11) every quarter of the session timeout until
 * {@link HeldSession.release}. The server moves the session onto this connection and drops the client's own
 * connection to it. Take the credentials while the client is connected (`client.sessionCredentials()`):
 * once the client is `suspended` it no longer hands them out.
 *
 * Rejects when the server refuses the session (already expired or closed), or does not answer the
 * handshake within `timeoutMs`.
 */
export function holdSession(
  connectString: string,
  credentials: Pick<SessionCredentials, 'sessionId' | 'password' | 'timeoutMs'>,
  { timeoutMs = 10_000 }: { timeoutMs?: number } = {},
): Promise<HeldSession> {
  const server = parseServers(connectString)[0]!;
  const socket = net.connect(parseHostPort(server));
  const decoder = new FrameSplitter();
  let pinger: NodeJS.Timeout | undefined;
  let dropped = false;
  let onCloseReply: (() => void) | undefined;
  let releasing: Promise<void> | undefined;

  return new Promise<HeldSession>((resolve, reject) => {
    let handshaken = false;
    const timer = setTimeout(() => fail(new Error(`holdSession: no handshake from ${server} within ${timeoutMs} ms`)), timeoutMs);
    const fail = (error: Error): void => {
      clearTimeout(timer);
      clearInterval(pinger);
      socket.destroy();
      reject(error);
    };

    socket.on('connect', () => socket.write(connectRequest(credentials)));
    socket.on('error', (error) => {
      if (!handshaken) fail(error);
    });
    socket.on('close', () => {
      dropped = true;
      clearInterval(pinger);
      onCloseReply?.();
      if (!handshaken) fail(new Error(`holdSession: ${server} closed the connection during the handshake`));
    });
    socket.on('data', (chunk: Buffer) => {
      for (const packet of decoder.push(chunk)) {
        if (!handshaken) {
          // ConnectResponse: length, protocolVersion int32, timeOut int32, sessionId int64, passwd, [readOnly].
          const negotiated = packet.length >= 12 ? packet.readInt32BE(8) : 0;
          if (negotiated <= 0) {
            fail(new Error(`holdSession: ${server} refused session 0x${credentials.sessionId.toString('hex')} (expired or closed)`));
            return;
          }
          handshaken = true;
          clearTimeout(timer);
          pinger = setInterval(() => socket.write(headerOnlyRequest(XID_PING, OP_PING)), Math.max(1, Math.floor(negotiated / 4)));
          resolve({
            timeoutMs: negotiated,
            get dropped() {
              return dropped;
            },
            release() {
              releasing ??= new Promise<void>((done) => {
                clearInterval(pinger);
                if (dropped) return done();
                const finish = (): void => {
                  clearTimeout(giveUp);
                  socket.destroy();
                  done();
                };
                const giveUp = setTimeout(finish, timeoutMs);
                onCloseReply = finish;
                socket.write(headerOnlyRequest(XID_CLOSE_SESSION, OP_CLOSE_SESSION));
              });
              return releasing;
            },
          });
        } else if (frameXid(packet) === XID_CLOSE_SESSION) {
          onCloseReply?.();
        }
      }
    });
  });
}
