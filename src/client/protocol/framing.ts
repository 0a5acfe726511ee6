/**
 * ZooKeeper's framing: every packet, both ways, is an int32 big-endian length followed by that many bytes.
 * TCP delivers arbitrary chunks; {@link FrameSplitter} turns them back into whole frames. This is the one
 * splitter of the code base: the transports, the test kit's proxy and the tests' fake server all use it.
 */
import { ProtocolError } from './jute';

/**
 * Longest frame accepted: ZooKeeper's default `jute.maxbuffer` (0xfffff, which its server also applies to
 * what it reads) plus headroom for a reply's header and Stat around a payload of that size. A longer (or
 * negative) length means the stream is corrupt.
 */
export const MAX_FRAME_BYTES = 0xfffff + 64 * 1024;

/** Reassembles length-prefixed frames from a stream of chunks. */
export class FrameSplitter {
  private pending: Buffer | undefined;

  constructor(private readonly maxFrameBytes = MAX_FRAME_BYTES) {}

  /** Bytes received that do not yet make a whole frame. */
  get bufferedBytes(): number {
    return this.pending?.length ?? 0;
  }

  /** Forgets a partial frame (a new connection starts a new stream). */
  reset(): void {
    this.pending = undefined;
  }

  /**
   * Adds a chunk and returns the frames it completed, each with its 4-byte length prefix (so it can be
   * forwarded as is). Throws a {@link ProtocolError} on a length no ZooKeeper peer sends; the splitter is
   * reset then.
   */
  push(chunk: Buffer): Buffer[] {
    let buffer = this.pending === undefined ? chunk : Buffer.concat([this.pending, chunk]);
    const frames: Buffer[] = [];
    while (buffer.length >= 4) {
      const length = buffer.readInt32BE(0);
      if (length < 0 || length > this.maxFrameBytes) {
        this.pending = undefined;
        throw new ProtocolError(`not a ZooKeeper frame: length ${length}`);
      }
      if (buffer.length < 4 + length) break;
      frames.push(buffer.subarray(0, 4 + length));
      buffer = buffer.subarray(4 + length);
    }
    this.pending = buffer.length > 0 ? buffer : undefined;
    return frames;
  }
}
