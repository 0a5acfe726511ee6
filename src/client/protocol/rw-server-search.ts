/**
 * {@link ReadWriteServerSearch}: while a session is connected to a read-only server, look for a server that
 * can take writes again, as the Java client's `pingRwServer` does.
 *
 * - A probe is a fresh connection to one server that sends the four-letter word `isro` and reads the answer:
 *   `rw` (a server with a quorum), `ro` (read-only), `null` (not serving yet). It is closed after the answer,
 *   or after {@link PROBE_TIMEOUT_MS}. The server must allow `isro` (`4lw.commands.whitelist`; ZooKeeper's
 *   default list has it).
 * - One probe at a time: a round probes every other server of the connect string in turn and ends at the
 *   first `rw`. Between rounds a pause that starts at {@link FIRST_PAUSE_MS} and doubles up to
 *   {@link LONGEST_PAUSE_MS} (the Java client's 100 ms and 60 s), so a long partition costs a probe a minute.
 * - The pause keeps growing across read-only connections, and starts again from the shortest only once a
 *   read/write connection was made ({@link ReadWriteServerSearch.reset}): a server that answers `rw` but
 *   refuses the session (it is behind the zxid the client saw, say) must not make the client leave its
 *   read-only server ten times a second.
 * - A failed probe (refused, reset, timed out, a TLS error) only means "not this one, not now".
 */
import type * as net from 'node:net';
import type { Logger } from '../logger';
import type { HostPort } from './host-list';

/** Pause before the first round, and after the pause was reset. */
export const FIRST_PAUSE_MS = 100;
/** Longest pause between rounds. */
export const LONGEST_PAUSE_MS = 60_000;
/** How long one probe waits for its answer (the Java client's socket timeout). */
export const PROBE_TIMEOUT_MS = 1000;
/** An answer is two letters; anything longer than this is not one, and reading stops. */
const MAX_ANSWER_BYTES = 16;

/** What a {@link ReadWriteServerSearch} probes, how, and whom it tells. */
export interface ReadWriteServerSearchOptions {
  /** The servers to probe, read at the start of every round: the connect string's, without the current one. */
  candidates: () => readonly HostPort[];
  /** Opens the probe's connection: plain TCP, or TLS when the session uses it. */
  createSocket: (host: string, port: number) => net.Socket;
  /** Called once with the server that answered `rw`; the search has stopped by then. */
  onFound: (server: HostPort) => void;
  /** Where probes are logged (debug) and a found server (info). */
  logger: Logger;
}

/** The background search of one read-only connection; see the module comment. `stop()` leaves nothing behind. */
export class ReadWriteServerSearch {
  private running = false;
  private pauseMs = FIRST_PAUSE_MS;
  private timer: NodeJS.Timeout | undefined;
  private probeSocket: net.Socket | undefined;
  /** The deadline of the probe under way. */
  private probeTimer: NodeJS.Timeout | undefined;
  private round: HostPort[] = [];

  constructor(private readonly options: ReadWriteServerSearchOptions) {}

  /** True between {@link start} and {@link stop} (or the `rw` answer). */
  get active(): boolean {
    return this.running;
  }

  /** Starts searching (the first round after the current pause); does nothing while already searching. */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.schedule();
  }

  /** A read/write connection was made: the next search starts with the shortest pause again. */
  reset(): void {
    this.pauseMs = FIRST_PAUSE_MS;
  }

  /** Stops searching: clears the timer and closes a probe under way. Idempotent. */
  stop(): void {
    this.running = false;
    clearTimeout(this.timer);
    this.timer = undefined;
    this.round = [];
    clearTimeout(this.probeTimer);
    this.probeTimer = undefined;
    const socket = this.probeSocket;
    this.probeSocket = undefined;
    if (socket) destroy(socket);
  }

  private schedule(): void {
    const pause = this.pauseMs;
    this.pauseMs = Math.min(LONGEST_PAUSE_MS, pause * 2);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.round = [...this.options.candidates()];
      this.probeNext();
    }, pause);
  }

  /** Probes the next server of the round, or pauses before the next round once every one was asked. */
  private probeNext(): void {
    if (!this.running) return;
    const server = this.round.shift();
    if (server === undefined) {
      this.schedule();
      return;
    }
    this.probe(server);
  }

  private probe(server: HostPort): void {
    const { logger } = this.options;
    const chunks: Buffer[] = [];
    let bytes = 0;
    let socket: net.Socket;
    try {
      socket = this.options.createSocket(server.host, server.port);
    } catch (error) {
      logger.debug({ server: `${server.host}:${server.port}`, err: error }, 'zookeeper r/w probe could not connect');
      queueMicrotask(() => this.probeNext());
      return;
    }
    this.probeSocket = socket;
    const finish = (failure?: string): void => {
      if (this.probeSocket !== socket) return; // stopped meanwhile: stop() destroyed it and cleared the timer
      clearTimeout(this.probeTimer);
      this.probeTimer = undefined;
      this.probeSocket = undefined;
      destroy(socket);
      const answer = Buffer.concat(chunks).toString('latin1').trim();
      logger.debug({ server: `${server.host}:${server.port}`, answer, failure }, 'zookeeper r/w probe');
      if (failure === undefined && answer === 'rw') {
        this.stop();
        logger.info({ server: `${server.host}:${server.port}` }, 'zookeeper read/write server found');
        this.options.onFound(server);
        return;
      }
      this.probeNext();
    };
    this.probeTimer = setTimeout(() => finish(`no answer within ${PROBE_TIMEOUT_MS} ms`), PROBE_TIMEOUT_MS);
    // Written at once: a socket still connecting (or shaking hands over TLS) sends it when it can.
    socket.write('isro');
    socket.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      bytes += chunk.length;
      if (bytes > MAX_ANSWER_BYTES) finish(`an answer of more than ${MAX_ANSWER_BYTES} bytes`);
    });
    // The server closes the connection after its answer.
    socket.on('end', () => finish());
    socket.on('close', () => finish());
    socket.on('error', (error: Error) => finish(error.message));
  }
}

function destroy(socket: net.Socket): void {
  socket.removeAllListeners();
  socket.on('error', () => undefined);
  socket.destroy();
}
