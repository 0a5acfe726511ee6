/**
 * A fake ZooKeeper server speaking just enough of the wire protocol to send what a real server never would:
 * unknown error codes, unknown event types, unreadable replies. Only for the wire-level robustness tests;
 * everything else runs against real ZooKeeper.
 */
import { FrameDecoder } from '../../src/client/frames';
import * as net from 'node:net';

/** A request as the fake server received it. */
export interface FakeRequest {
  xid: number;
  type: number;
  /** Everything after the header. */
  payload: Buffer;
}

/** What to answer: a reply (error code and payload), or nothing at all. */
export type FakeAnswer = { err?: number; payload?: Buffer } | 'no-reply';

export const OP = { create: 1, delete: 2, exists: 3, getData: 4, setData: 5, getChildren2: 12, sync: 9, multi: 14, ping: 11, setWatches: 101, closeSession: -11 };

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
    const decoder = new FrameDecoder();
    let handshaken = false;
    socket.on('data', (chunk: Buffer) => {
      for (const whole of decoder.push(chunk)) {
        const body = whole.subarray(4);
        if (!handshaken) {
          handshaken = true;
          this.connections += 1;
          const timeout = body.readInt32BE(12);
          socket.write(
            jute.frame(jute.int(0), jute.int(timeout), jute.long(0x1234n), jute.buffer(Buffer.alloc(16, 7)), jute.bool(false)),
          );
          continue;
        }
        this.handle(socket, { xid: body.readInt32BE(0), type: body.readInt32BE(4), payload: body.subarray(8) });
      }
    });
  }

  private handle(socket: net.Socket, request: FakeRequest): void {
    if (request.type === OP.ping) {
      socket.write(jute.frame(jute.int(-2), jute.long(this.zxid), jute.int(0)));
      return;
    }
    if (request.type === OP.closeSession) {
      socket.end(jute.frame(jute.int(request.xid), jute.long(this.zxid), jute.int(0)));
      return;
    }
    if (request.xid === -4) return; // auth: not answered
    if (request.type === OP.setWatches) {
      socket.write(jute.frame(jute.int(request.xid), jute.long(this.zxid), jute.int(0)));
      return;
    }
    this.requests.push(request);
    const answer = this.answer(request);
    if (answer === 'no-reply') return;
    this.zxid += 1n;
    socket.write(jute.frame(jute.int(request.xid), jute.long(this.zxid), jute.int(answer.err ?? 0), answer.payload ?? Buffer.alloc(0)));
  }
}
