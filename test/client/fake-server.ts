/**
 * A fake ZooKeeper server speaking just enough of the wire protocol to send what a real server never would:
 * unknown error codes, unknown event types, unreadable replies. Only for the wire-level robustness tests;
 * everything else runs against real ZooKeeper.
 */
import * as net from 'node:net';
import { FrameSplitter } from '../../src/client/protocol/framing';

/** A request as the fake server received it. */
export interface FakeRequest {
  xid: number;
  type: number;
  /** Everything after the header. */
  payload: Buffer;
}

/**
 * What to answer: a reply (error code and payload; `thenClose` closes the connection after it, as a server
 * does after refusing an operation it does not know), or nothing at all.
 */
export type FakeAnswer = { err?: number; payload?: Buffer; thenClose?: boolean } | 'no-reply';

/** How the fake answers a ConnectRequest: normally, with these bytes as the frame body, or not at all. */
export type FakeHandshake = 'normal' | 'no-reply' | ((requestedTimeoutMs: number) => Buffer);

export const OP = { create: 1, create2: 15, delete: 2, exists: 3, getData: 4, setData: 5, getChildren2: 12, sync: 9, multi: 14, ping: 11, setWatches: 101, setWatches2: 105, getACL: 6, closeSession: -11 };

/** Jute encoding helpers. */
export const jute = {
  int(value: number): Buffer {
    const buffer = Buffer.alloc(4);
    buffer.writeInt32BE(value);
    return buffer;
  },
  long(value: bigint): Buffer {
    const buffer = Buffer.alloc(8);
    buffer.writeBigInt64BE(value);
    return buffer;
  },
  bool(value: boolean): Buffer {
    return Buffer.from([value ? 1 : 0]);
  },
  buffer(value: Buffer): Buffer {
    return Buffer.concat([jute.int(value.length), value]);
  },
  string(value: string): Buffer {
    return jute.buffer(Buffer.from(value, 'utf8'));
  },
  /** A Stat with version `version`, the rest plausible. */
  stat(version = 0, dataLength = 0): Buffer {
    return Buffer.concat([
      jute.long(1n), // czxid
      jute.long(2n), // mzxid
      jute.long(1_700_000_000_000n), // ctime
      jute.long(1_700_000_000_000n), // mtime
      jute.int(version),
      jute.int(0), // cversion
      jute.int(0), // aversion
      jute.long(0n), // ephemeralOwner
      jute.int(dataLength),
      jute.int(0), // numChildren
      jute.long(1n), // pzxid
    ]);
  },
  frame(...parts: Buffer[]): Buffer {
    const body = Buffer.concat(parts);
    return Buffer.concat([jute.int(body.length), body]);
  },
};

/** Reads the path a request payload starts with. */
export function requestPath(request: FakeRequest): string {
  const length = request.payload.readInt32BE(0);
  return request.payload.subarray(4, 4 + length).toString('utf8');
}

/**
 * Accepts connections, answers the handshake with a session, pings with pings, and every other request with
 * whatever `answer` says.
 */
export class FakeZooKeeper {
  private readonly sockets = new Set<net.Socket>();
  /** Every request received (pings excluded). */
  readonly requests: FakeRequest[] = [];
  /** Number of handshakes answered. */
  connections = 0;
  /** How the next handshakes are answered. */
  handshake: FakeHandshake = 'normal';
  /** Whether pings are answered (a server that stops answering them looks dead to the client). */
  answerPings = true;
  private zxid = 10n;

  private constructor(
    private readonly server: net.Server,
    private readonly answer: (request: FakeRequest) => FakeAnswer,
  ) {}

  static async start(answer: (request: FakeRequest) => FakeAnswer): Promise<FakeZooKeeper> {
    const server = net.createServer();
    const fake = new FakeZooKeeper(server, answer);
    server.on('connection', (socket) => fake.accept(socket));
    await new Promise<void>((resolve) => server.listen({ host: '127.0.0.1', port: 0 }, resolve));
    return fake;
  }

  get connectString(): string {
    return `127.0.0.1:${(this.server.address() as net.AddressInfo).port}`;
  }

  /** Sends a watch notification to every connection. */
  notify(type: number, path: string, state = 3): void {
    const frame = jute.frame(jute.int(-1), jute.long(-1n), jute.int(0), jute.int(type), jute.int(state), jute.string(path));
    for (const socket of this.sockets) socket.write(frame);
  }

  /** Drops every connection (the client reconnects). */
  dropAll(): void {
    for (const socket of this.sockets) socket.destroy();
  }

  /** Sends raw bytes to every connection. */
  sendRaw(bytes: Buffer): void {
    for (const socket of this.sockets) socket.write(bytes);
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(socket: net.Socket): void {
    this.sockets.add(socket);
    socket.on('error', () => undefined);
    socket.on('close', () => this.sockets.delete(socket));
    const frames = new FrameSplitter();
    let handshaken = false;
    socket.on('data', (chunk: Buffer) => {
      let received: Buffer[];
      try {
        received = frames.push(chunk);
      } catch {
        socket.destroy();
        return;
      }
      for (const frame of received) {
        const body = frame.subarray(4);
        if (!handshaken) {
          handshaken = true;
          this.connections += 1;
          const timeout = body.readInt32BE(12);
          if (this.handshake === 'no-reply') continue;
          const response =
            this.handshake === 'normal'
              ? Buffer.concat([jute.int(0), jute.int(timeout), jute.long(0x1234n), jute.buffer(Buffer.alloc(16, 7)), jute.bool(false)])
              : this.handshake(timeout);
          socket.write(jute.frame(response));
          continue;
        }
        this.handle(socket, { xid: body.readInt32BE(0), type: body.readInt32BE(4), payload: body.subarray(8) });
      }
    });
  }

  private handle(socket: net.Socket, request: FakeRequest): void {
    if (request.type === OP.ping) {
      if (!this.answerPings) return;
      socket.write(jute.frame(jute.int(-2), jute.long(this.zxid), jute.int(0)));
      return;
    }
    if (request.type === OP.closeSession) {
      socket.end(jute.frame(jute.int(request.xid), jute.long(this.zxid), jute.int(0)));
      return;
    }
    if (request.xid === -4) return; // auth: not answered
    if (request.type === OP.setWatches || request.type === OP.setWatches2) {
      socket.write(jute.frame(jute.int(request.xid), jute.long(this.zxid), jute.int(0)));
      return;
    }
    this.requests.push(request);
    const answer = this.answer(request);
    if (answer === 'no-reply') return;
    this.zxid += 1n;
    socket.write(jute.frame(jute.int(request.xid), jute.long(this.zxid), jute.int(answer.err ?? 0), answer.payload ?? Buffer.alloc(0)));
    if (answer.thenClose) socket.end();
  }
}

/** A normal answer for each op, so that a test only describes what is odd. */
export function normalAnswer(request: FakeRequest): FakeAnswer {
  switch (request.type) {
    case OP.getData:
      return { payload: Buffer.concat([jute.string('data'), jute.stat(0, 4)]) };
    case OP.exists:
    case OP.setData:
      return { payload: jute.stat() };
    case OP.create:
    case OP.sync:
      return { payload: jute.string(requestPath(request)) };
    case OP.create2:
      return { payload: Buffer.concat([jute.string(requestPath(request)), jute.stat()]) };
    case OP.getChildren2:
      return { payload: Buffer.concat([jute.int(0), jute.stat()]) };
    default:
      return {};
  }
}

/**
 * Collects what would crash the process (uncaught exceptions, unhandled rejections) from `beforeAll` to
 * `afterAll` of the calling block; a test checks that the array stays empty.
 */
export function collectCrashes(): unknown[] {
  const crashes: unknown[] = [];
  const onCrash = (error: unknown): void => void crashes.push(error);
  beforeAll(() => {
    process.on('uncaughtException', onCrash);
    process.on('unhandledRejection', onCrash);
  });
  afterAll(() => {
    process.off('uncaughtException', onCrash);
    process.off('unhandledRejection', onCrash);
  });
  return crashes;
}
