/**
 * ZooKeeper's framing: every packet, both ways, is an int32 big-endian length followed by that many bytes.
 * TCP delivers arbitrary chunks; `FrameDecoder` (the client's, shared) turns them back into whole packets.
 */

export { FrameDecoder } from '../client/frames';

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
