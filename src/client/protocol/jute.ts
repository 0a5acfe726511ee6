/**
 * Jute, ZooKeeper's record encoding: big-endian int32/int64, a bool as one byte, strings and buffers as an
 * int32 length (−1 for null) followed by the bytes, vectors as an int32 count followed by the elements.
 *
 * The writer appends to one growing Buffer; the reader walks one Buffer with an offset. A server is not
 * trusted: every length and count is checked against the bytes left before anything is allocated, and a
 * violation throws a {@link ProtocolError} (the session engine drops the connection on it).
 */

/** A reply that cannot be what a ZooKeeper server sends: the stream is not trusted any more. */
export class ProtocolError extends Error {
  override readonly name = 'ProtocolError';
}

const INITIAL_BYTES = 64 * 1024;

/**
 * Appends jute values to one Buffer that grows by doubling. Bytes before {@link JuteWriter.mark} may have been
 * handed to a socket, so they are never written again: growing copies only what is still unsent.
 */
export class JuteWriter {
  private buffer: Buffer = Buffer.allocUnsafe(INITIAL_BYTES);
  /** Next byte to write. */
  private offset = 0;
  /** Start of what was not yet taken by {@link JuteWriter.take}. */
  private start = 0;
  /** Where the frame being written begins (its length is filled in by {@link JuteWriter.endFrame}). */
  private frameStart = -1;

  /** Bytes written since the last {@link JuteWriter.take}. */
  get pending(): number {
    return this.offset - this.start;
  }

  /** Starts a length-prefixed frame: its length is written by {@link JuteWriter.endFrame}. */
  beginFrame(): this {
    this.frameStart = this.offset;
    return this.int(0);
  }

  /** Ends the frame begun last by writing its length in front of it. */
  endFrame(): void {
    this.buffer.writeInt32BE(this.offset - this.frameStart - 4, this.frameStart);
    this.frameStart = -1;
  }

  /** Hands out what was written since the last take; those bytes are never touched again. */
  take(): Buffer {
    const taken = this.buffer.subarray(this.start, this.offset);
    this.start = this.offset;
    // Too little room left for a typical frame: start a fresh buffer, the socket keeps the old one alive.
    if (this.buffer.length - this.offset < 4096) {
      this.buffer = Buffer.allocUnsafe(INITIAL_BYTES);
      this.offset = this.start = 0;
    }
    return taken;
  }

  /** Drops what was written since the last take (a connection went away before it was sent). */
  discard(): void {
    this.offset = this.start;
    this.frameStart = -1;
  }

  private room(bytes: number): void {
    if (this.offset + bytes <= this.buffer.length) return;
    const unsent = this.offset - this.start;
    const grown = Buffer.allocUnsafe(Math.max(INITIAL_BYTES, (unsent + bytes) * 2));
    this.buffer.copy(grown, 0, this.start, this.offset);
    if (this.frameStart >= 0) this.frameStart -= this.start;
    this.buffer = grown;
    this.start = 0;
    this.offset = unsent;
  }

  int(value: number): this {
    this.room(4);
    this.offset = this.buffer.writeInt32BE(value, this.offset);
    return this;
  }

  long(value: bigint): this {
    this.room(8);
    this.offset = this.buffer.writeBigInt64BE(value, this.offset);
    return this;
  }

  bool(value: boolean): this {
    this.room(1);
    this.buffer[this.offset++] = value ? 1 : 0;
    return this;
  }

  /** A buffer (`null`: length −1). */
  bytes(value: Buffer | null): this {
    if (value === null) return this.int(-1);
    this.room(4 + value.length);
    this.offset = this.buffer.writeInt32BE(value.length, this.offset);
    this.offset += value.copy(this.buffer, this.offset);
    return this;
  }

  /** A UTF-8 string (`null`: length −1), encoded straight into the buffer. */
  string(value: string | null): this {
    if (value === null) return this.int(-1);
    const most = value.length * 3;
    this.room(4 + most);
    const written = this.buffer.write(value, this.offset + 4, most, 'utf8');
    this.buffer.writeInt32BE(written, this.offset);
    this.offset += 4 + written;
    return this;
  }

  /** A vector of strings. */
  strings(values: readonly string[]): this {
    this.int(values.length);
    for (const value of values) this.string(value);
    return this;
  }
}

/** Reads jute values from `buffer` between `offset` and `end`, checking every length against what is left. */
export class JuteReader {
  constructor(
    private readonly buffer: Buffer,
    /** Next byte to read. */
    public offset: number,
    private readonly end: number = buffer.length,
  ) {}

  /** Bytes not read yet. */
  get remaining(): number {
    return this.end - this.offset;
  }

  private need(bytes: number, what: string): void {
    if (bytes > this.end - this.offset) {
      throw new ProtocolError(`${what} needs ${bytes} bytes, ${this.end - this.offset} left`);
    }
  }

  int(): number {
    this.need(4, 'int');
    const value = this.buffer.readInt32BE(this.offset);
    this.offset += 4;
    return value;
  }

  long(): bigint {
    this.need(8, 'long');
    const value = this.buffer.readBigInt64BE(this.offset);
    this.offset += 8;
    return value;
  }

  /** An int64 read as a JavaScript number (times in ms: exact up to 2^53). */
  longNumber(): number {
    this.need(8, 'long');
    const value = this.buffer.readInt32BE(this.offset) * 0x1_0000_0000 + this.buffer.readUInt32BE(this.offset + 4);
    this.offset += 8;
    return value;
  }

  bool(): boolean {
    this.need(1, 'bool');
    return this.buffer[this.offset++] !== 0;
  }

  private length(what: string): number {
    const length = this.int();
    if (length < -1) throw new ProtocolError(`${what} length ${length}`);
    if (length > 0) this.need(length, what);
    return length;
  }

  /** A buffer (a copy: the frame it came from is reused), or `null` for length −1. */
  bytes(): Buffer | null {
    const length = this.length('buffer');
    if (length < 0) return null;
    const value = Buffer.from(this.buffer.subarray(this.offset, this.offset + length));
    this.offset += length;
    return value;
  }

  /** A UTF-8 string, or `null` for length −1. */
  string(): string | null {
    const length = this.length('string');
    if (length < 0) return null;
    const value = this.buffer.toString('utf8', this.offset, this.offset + length);
    this.offset += length;
    return value;
  }

  /** A string that must not be null. */
  ustring(): string {
    const value = this.string();
    if (value === null) throw new ProtocolError('null string where one is required');
    return value;
  }

  /**
   * A vector's element count (−1: null, read as empty). Each element takes at least `minElementBytes`, so a
   * count the bytes left cannot hold is refused before any element is read.
   */
  count(minElementBytes: number): number {
    const count = this.int();
    if (count === -1) return 0;
    if (count < 0 || count * minElementBytes > this.end - this.offset) {
      throw new ProtocolError(`vector of ${count} elements in ${this.end - this.offset} bytes`);
    }
    return count;
  }

  /** A vector of non-null strings. */
  strings(): string[] {
    const count = this.count(4);
    const values = new Array<string>(count);
    for (let i = 0; i < count; i += 1) values[i] = this.ustring();
    return values;
  }
}
