/**
 * ZooKeeper's framing for the test kit's raw connections: whole frames from the client's one splitter, and
 * the few requests the kit sends itself, encoded by the client's own records.
 */
import { FrameSplitter } from '../client/protocol/framing';
import { JuteWriter } from '../client/protocol/jute';
import { writeConnectRequest, writeRequestHeader } from '../client/protocol/records';

export { FrameSplitter };

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

/** A ConnectRequest resuming a session (lastZxidSeen 0, not read-only). */
export function connectRequest(credentials: { sessionId: Buffer; password: Buffer; timeoutMs: number }): Buffer {
  const writer = new JuteWriter();
  writeConnectRequest(writer.beginFrame(), {
    lastZxidSeen: 0n,
    timeoutMs: credentials.timeoutMs,
    sessionId: credentials.sessionId.readBigInt64BE(0),
    password: credentials.password,
    readOnly: false,
  });
  writer.endFrame();
  return Buffer.from(writer.take());
}

/** A request that is just a header (xid, type): a ping or a closeSession. */
export function headerOnlyRequest(xid: number, type: number): Buffer {
  const writer = new JuteWriter();
  writeRequestHeader(writer.beginFrame(), xid, type);
  writer.endFrame();
  return Buffer.from(writer.take());
}
