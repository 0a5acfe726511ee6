/**
 * ZooKeeper's framing: every packet, both ways, is an int32 big-endian length followed by that many bytes.
 * TCP delivers arbitrary chunks; {@link FrameDecoder} turns them back into whole packets, for the wire
 * adapter, the test kit's proxy and raw sessions, and the tests' fake server alike.
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

  /** Forgets a partial frame (a new connection starts a new stream). */
  reset(): void {
    this.pending = [];
    this.pendingBytes = 0;
  }

  /** Bytes received that do not yet make a whole frame. */
  get bufferedBytes(): number {
    return this.pendingBytes;
  }
}
