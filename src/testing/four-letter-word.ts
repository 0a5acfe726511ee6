/**
 * ZooKeeper's four-letter-word admin commands (`srvr`, `stat`, `ruok`, `mntr`, `cons`, ...): write the word on
 * a fresh client connection, read the answer until the server closes the connection.
 */
import * as net from 'node:net';

/** Options of {@link fourLetterWord}. */
export interface FourLetterWordOptions {
  /** Give up after this many milliseconds. @default 5000 */
  timeoutMs?: number;
  /** Give up when this signal aborts (rejects with `signal.reason`). */
  signal?: AbortSignal;
}

/**
 * Sends a four-letter word to `host:port` and resolves with the server's answer. The server must allow the
 * word (`4lw.commands.whitelist`; the test servers allow all).
 */
export function fourLetterWord(
  host: string,
  port: number,
  command: string,
  options: FourLetterWordOptions = {},
): Promise<string> {
  if (!/^[a-z]{4}$/.test(command)) {
    return Promise.reject(new TypeError(`command must be four lower-case letters, got ${JSON.stringify(command)}`));
  }
  const { timeoutMs = 5000, signal } = options;
  if (signal?.aborted) return Promise.reject(signal.reason);

  return new Promise<string>((resolve, reject) => {
    const chunks: Buffer[] = [];
    const socket = net.connect({ host, port });
    const timer = setTimeout(
      () => finish(new Error(`four-letter word ${command} to ${host}:${port} got no answer within ${timeoutMs} ms`)),
      timeoutMs,
    );
    const onAbort = (): void => finish(signal?.reason);

    function finish(error?: unknown): void {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      socket.destroy();
      // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- a socket error, or the caller's abort reason, as it is
      if (error !== undefined) reject(error);
      else resolve(Buffer.concat(chunks).toString('utf8'));
    }

    signal?.addEventListener('abort', onAbort, { once: true });
    socket.on('connect', () => socket.end(command));
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('end', () => finish());
    socket.on('error', (error) => finish(error));
  });
}

/** The `Mode:` of a `srvr`/`stat` answer (`standalone`, `leader`, `follower`, `observer`), if it has one. */
export function parseMode(srvrOutput: string): string | undefined {
  return /^Mode: (\S+)/m.exec(srvrOutput)?.[1];
}
