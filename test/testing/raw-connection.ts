/**
 * A bare ZooKeeper connection for harness tests: sends hand-made packets (with full control over how they
 * are split into TCP writes) and collects the replies. Just enough protocol for create/exists/ping.
 */
import * as net from 'node:net';
import { frame, FrameSplitter } from '../../src/testing/frames';
import { parseHostPort } from '../../src/testing/ports';

export const OP_CREATE = 1;
export const OP_EXISTS = 3;
export const OP_PING = 11;
export const XID_PING = -2;

/** A reply: the header fields and the body after them. */
export interface RawReply {
  xid: number;
  zxid: bigint;
  err: number;
}

function zkString(text: string): Buffer {
  const bytes = Buffer.from(text, 'utf8');
  const length = Buffer.alloc(4);
  length.writeInt32BE(bytes.length, 0);
  return Buffer.concat([length, bytes]);
}

function int32(value: number): Buffer {
  const buffer = Buffer.alloc(4);
  buffer.writeInt32BE(value, 0);
  return buffer;
}

/** A request frame: xid, type, body. */
export function requestFrame(xid: number, type: number, body: Buffer = Buffer.alloc(0)): Buffer {
  return frame(Buffer.concat([int32(xid), int32(type), body]));
}

/** A persistent create with the open ACL. */
export function createFrame(xid: number, path: string): Buffer {
  const acl = Buffer.concat([int32(1), int32(31), zkString('world'), zkString('anyone')]);
  return requestFrame(xid, OP_CREATE, Buffer.concat([zkString(path), int32(0), acl, int32(0)]));
}

/** An exists without a watch. */
export function existsFrame(xid: number, path: string): Buffer {
  return requestFrame(xid, OP_EXISTS, Buffer.concat([zkString(path), Buffer.from([0])]));
}

/** A ping. */
export function pingFrame(): Buffer {
  return requestFrame(XID_PING, OP_PING);
}

/** A new-session ConnectRequest. */
export function connectFrame(timeoutMs = 10_000): Buffer {
  const body = Buffer.alloc(4 + 8 + 4 + 8 + 4 + 16 + 1);
  body.writeInt32BE(timeoutMs, 12);
  body.writeInt32BE(16, 24);
  return frame(body);
}

/** One raw connection; replies are queued in arrival order. */
export class RawConnection {
  private readonly decoder = new FrameSplitter();
  private readonly replies: RawReply[] = [];
  private waiter: (() => void) | undefined;
  private handshake: Buffer | undefined;
  closed = false;

  private constructor(private readonly socket: net.Socket) {
    socket.on('data', (chunk: Buffer) => {
      for (const packet of this.decoder.push(chunk)) {
        if (!this.handshake) this.handshake = packet;
        else this.replies.push({ xid: packet.readInt32BE(4), zxid: packet.readBigInt64BE(8), err: packet.readInt32BE(16) });
      }
      this.waiter?.();
    });
    socket.on('error', () => undefined);
    socket.on('close', () => {
      this.closed = true;
      this.waiter?.();
    });
  }

  /** Connects to `server` and, unless `handshake` is false, completes the session handshake. */
  static async open(server: string, handshake = true): Promise<RawConnection> {
    const socket = net.connect(parseHostPort(server));
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    const connection = new RawConnection(socket);
    if (handshake) {
      connection.write(connectFrame());
      await connection.until(() => connection.handshake !== undefined, 'the ConnectResponse');
    }
    return connection;
  }

  /** Writes bytes as they are (possibly half a frame, or several). */
  write(bytes: Buffer): void {
    this.socket.write(bytes);
  }

  /** Writes `bytes` one TCP write per byte, each after the previous was flushed. */
  async writeByteByByte(bytes: Buffer): Promise<void> {
    for (let i = 0; i < bytes.length; i++) {
      await new Promise<void>((resolve, reject) => this.socket.write(bytes.subarray(i, i + 1), (e) => (e ? reject(e) : resolve())));
    }
  }

  /** Resolves with the reply to `xid` once it has arrived. */
  async reply(xid: number, timeoutMs = 10_000): Promise<RawReply> {
    await this.until(() => this.replies.some((reply) => reply.xid === xid), `the reply to xid ${xid}`, timeoutMs);
    return this.replies.find((reply) => reply.xid === xid)!;
  }

  /** Replies received so far. */
  received(): readonly RawReply[] {
    return this.replies;
  }

  /** Resolves once the server (or the proxy) closed the connection. */
  async closedByPeer(timeoutMs = 10_000): Promise<void> {
    await this.until(() => this.closed, 'the connection to close', timeoutMs);
  }

  destroy(): void {
    this.socket.destroy();
  }

  private async until(condition: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!condition()) {
      if (this.closed) throw new Error(`connection closed while waiting for ${what}`);
      const remaining = deadline - Date.now();
      if (remaining <= 0) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, remaining);
        this.waiter = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
    this.waiter = undefined;
  }
}
