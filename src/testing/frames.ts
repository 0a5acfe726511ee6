/**
 * ZooKeeper's framing: every packet, both ways, is an int32 big-endian length followed by that many bytes.
 * TCP delivers arbitrary chunks; {@link FrameDecoder} turns them back into whole packets.
 */

/** Largest frame accepted (ZooKeeper's default `jute.maxbuffer` is just under 1 MiB; leave headroom). */
const MAX_FRAME_BYTES = 64 * 1024 * 1024;

/** Reassembles length-prefixed frames from a stream of chunks. */
export class FrameDecoder {
  private pending: Buffer[] = [];
  private pendingBytes = 0;

  /**
   * Adds a chunk and returns the frames it completed, each with its 4-byte length prefix (so it can be
   * forwarded as is). Throws on a length that cannot be ZooKeeper's.
   */
  push(chunk: Buffer): Buffer[] {
    this.pending.push(chunk);
    this.pendingBytes += chunk.length;
    const frames: Buffer[] = [];
    let buffer = this.pending.length === 1 ? chunk : Buffer.concat(this.pending, this.pendingBytes);
    while (buffer.length >= 4) {
      const length = buffer.readInt32BE(0);
      if (length < 0 || length > MAX_FRAME_BYTES) {
        throw new RangeError(`not a ZooKeeper frame: length ${length}`);
      }
      if (buffer.length < 4 + length) break;
      frames.push(buffer.subarray(0, 4 + length));
      buffer = buffer.subarray(4 + length);
    }
    this.pending = buffer.length > 0 ? [buffer] : [];
    this.pendingBytes = buffer.length;
    return frames;
  }

  /** Bytes received that do not yet make a whole frame. */
  get bufferedBytes(): number {
    return this.pendingBytes;
  }
}

/** Prefixes `body` with its int32 length. */
export function frame(body: Buffer): Buffer {
  const header = Buffer.alloc(4);
  header.writeInt32BE(body.length, 0);
  return Buffer.concat([header, body]);
}

/** The `xid` of a request or reply frame (the int32 after the length), if the frame has one. */
export function frameXid(frameWithLength: Buffer): number | undefined {
  return frameWithLength.length >= 8 ? frameWithLength.readInt32BE(4) : undefined;
}

/** The `type` of a request frame (the int32 after the xid), if the frame has one. */
export function frameType(frameWithLength: Buffer): number | undefined {
  return frameWithLength.length >= 12 ? frameWithLength.readInt32BE(8) : undefined;
}

/** A ConnectRequest resuming a session: protocolVersion, lastZxidSeen, timeOut, sessionId, passwd, readOnly. */
export function connectRequest(credentials: { sessionId: Buffer; password: Buffer; timeoutMs: number }): Buffer {
  const { sessionId, password, timeoutMs } = credentials;
  const body = Buffer.alloc(4 + 8 + 4 + 8 + 4 + password.length + 1);
  let offset = body.writeInt32BE(0, 0);
  offset = body.writeBigInt64BE(0n, offset);
  offset = body.writeInt32BE(timeoutMs, offset);
  offset += sessionId.copy(body, offset);
  offset = body.writeInt32BE(password.length, offset);
  offset += password.copy(body, offset);
  body.writeUInt8(0, offset);
  return frame(body);
}

/** A request that is just a header (xid, type): a ping or a closeSession. */
export function headerOnlyRequest(xid: number, type: number): Buffer {
  const body = Buffer.alloc(8);
  body.writeInt32BE(xid, 0);
  body.writeInt32BE(type, 4);
  return frame(body);
}
