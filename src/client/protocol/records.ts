/**
 * The request and response records of every operation, as zookeeper.jute lays them out, written straight
 * into a {@link JuteWriter} and read from a {@link JuteReader}. Paths are server paths (chroot included).
 */
import type { Acl, Stat } from '../types';
import { type JuteReader, type JuteWriter, ProtocolError } from './jute';
import { OpCode } from './ops';

/** Least bytes of an ACL entry: perms and two empty strings. */
const ACL_MIN_BYTES = 12;

/** ConnectRequest: what a client sends first on every connection. */
export interface ConnectRequest {
  lastZxidSeen: bigint;
  timeoutMs: number;
  sessionId: bigint;
  password: Buffer;
  readOnly: boolean;
}

/** ConnectResponse: the server's answer to a {@link ConnectRequest}. */
export interface ConnectResponse {
  protocolVersion: number;
  /** Negotiated session timeout; 0 or less means the session is expired. */
  timeoutMs: number;
  sessionId: bigint;
  password: Buffer;
  /** True when the server is cut off from its quorum and serves reads only. */
  readOnly: boolean;
}

/** ConnectRequest: protocol version 0, last zxid seen, timeout, session id, password, read-only. */
export function writeConnectRequest(w: JuteWriter, request: ConnectRequest): void {
  w.int(0).long(request.lastZxidSeen).int(request.timeoutMs).long(request.sessionId).bytes(request.password).bool(request.readOnly);
}

/** Reads a ConnectResponse; `readOnly` is optional (servers before 3.4 omit it). */
export function readConnectResponse(r: JuteReader): ConnectResponse {
  const protocolVersion = r.int();
  const timeoutMs = r.int();
  const sessionId = r.long();
  const password = r.bytes() ?? Buffer.alloc(0);
  const readOnly = r.remaining > 0 ? r.bool() : false;
  return { protocolVersion, timeoutMs, sessionId, password, readOnly };
}

/** Header of a request: xid and op code. */
export function writeRequestHeader(w: JuteWriter, xid: number, op: number): void {
  w.int(xid).int(op);
}

/** A Stat record. */
export function readStat(r: JuteReader): Stat {
  const czxid = r.long();
  const mzxid = r.long();
  const ctime = r.longNumber();
  const mtime = r.longNumber();
  const version = r.int();
  const cversion = r.int();
  const aversion = r.int();
  const ephemeralOwner = r.long();
  const dataLength = r.int();
  const numChildren = r.int();
  const pzxid = r.long();
  return { czxid, mzxid, pzxid, ctime, mtime, version, cversion, aversion, ephemeralOwner, dataLength, numChildren };
}

/** A vector of ACL entries: perms, then the id's scheme and id. */
export function writeAcl(w: JuteWriter, acl: readonly Acl[]): void {
  w.int(acl.length);
  for (const entry of acl) w.int(entry.perms).string(entry.scheme).string(entry.id);
}

/** A vector of ACL entries (each at least 12 bytes). */
export function readAcl(r: JuteReader): Acl[] {
  const count = r.count(ACL_MIN_BYTES);
  const acl = new Array<Acl>(count);
  for (let i = 0; i < count; i += 1) acl[i] = { perms: r.int(), scheme: r.ustring(), id: r.ustring() };
  return acl;
}

/** CreateRequest, or CreateTTLRequest when `ttlMs` is given. */
export function writeCreate(w: JuteWriter, path: string, data: Buffer, acl: readonly Acl[], flags: number, ttlMs?: number): void {
  w.string(path).bytes(data);
  writeAcl(w, acl);
  w.int(flags);
  if (ttlMs !== undefined) w.long(BigInt(ttlMs));
}

/** A path and a watch flag: ExistsRequest, GetDataRequest, GetChildren(2)Request. */
export function writePathWatch(w: JuteWriter, path: string, watch: boolean): void {
  w.string(path).bool(watch);
}

/** A path and a version: DeleteRequest, CheckVersionRequest. */
export function writePathVersion(w: JuteWriter, path: string, version: number): void {
  w.string(path).int(version);
}

/** SetDataRequest: path, data, expected version. */
export function writeSetData(w: JuteWriter, path: string, data: Buffer, version: number): void {
  w.string(path).bytes(data).int(version);
}

/** SetACLRequest: path, ACL, expected ACL version. */
export function writeSetAcl(w: JuteWriter, path: string, acl: readonly Acl[], version: number): void {
  w.string(path);
  writeAcl(w, acl);
  w.int(version);
}

/** GetDataResponse: data (null read as empty) and Stat. */
export function readGetData(r: JuteReader): { data: Buffer; stat: Stat } {
  const data = r.bytes() ?? Buffer.alloc(0);
  return { data, stat: readStat(r) };
}

/** GetChildren2Response: the names and the parent's Stat. */
export function readChildren2(r: JuteReader): { children: string[]; stat: Stat } {
  const children = r.strings();
  return { children, stat: readStat(r) };
}

/** GetACLResponse: the ACL and the node's Stat. */
export function readGetAcl(r: JuteReader): { acl: Acl[]; stat: Stat } {
  const acl = readAcl(r);
  return { acl, stat: readStat(r) };
}

/** Create2Response: the path and the new node's Stat. */
export function readCreate2(r: JuteReader): { path: string; stat: Stat } {
  const path = r.ustring();
  return { path, stat: readStat(r) };
}

/** One op of a multi request, as the engine hands it to {@link writeMulti}. */
export type MultiOp =
  | { op: typeof OpCode.create | typeof OpCode.createContainer; path: string; data: Buffer; acl: readonly Acl[]; flags: number }
  | { op: typeof OpCode.createTTL; path: string; data: Buffer; acl: readonly Acl[]; flags: number; ttlMs: number }
  | { op: typeof OpCode.delete | typeof OpCode.check; path: string; version: number }
  | { op: typeof OpCode.setData; path: string; data: Buffer; version: number }
  | { op: typeof OpCode.getData | typeof OpCode.getChildren; path: string };

/** MultiOperationRecord: each op behind a MultiHeader (type, done = false, err = −1), then a closing header. */
export function writeMulti(w: JuteWriter, ops: readonly MultiOp[]): void {
  for (const op of ops) {
    w.int(op.op).bool(false).int(-1);
    switch (op.op) {
      case OpCode.create:
      case OpCode.createContainer:
        writeCreate(w, op.path, op.data, op.acl, op.flags);
        break;
      case OpCode.createTTL:
        writeCreate(w, op.path, op.data, op.acl, op.flags, op.ttlMs);
        break;
      case OpCode.delete:
      case OpCode.check:
        writePathVersion(w, op.path, op.version);
        break;
      case OpCode.setData:
        writeSetData(w, op.path, op.data, op.version);
        break;
      case OpCode.getData:
      case OpCode.getChildren:
        writePathWatch(w, op.path, false);
        break;
    }
  }
  w.int(-1).bool(true).int(-1);
}

/** One result of a multi reply. */
export type MultiResult =
  | { op: typeof OpCode.create; path: string }
  | { op: typeof OpCode.create2; path: string; stat: Stat }
  | { op: typeof OpCode.delete | typeof OpCode.check }
  | { op: typeof OpCode.setData; stat: Stat }
  | { op: typeof OpCode.getData; data: Buffer; stat: Stat }
  | { op: typeof OpCode.getChildren; children: string[] }
  | { op: typeof OpCode.error; err: number };

/** MultiResponse: results behind MultiHeaders until one says done. */
export function readMulti(r: JuteReader): MultiResult[] {
  const results: MultiResult[] = [];
  for (;;) {
    const op = r.int();
    const done = r.bool();
    r.int(); // the header's err: an error result carries it again in its body
    if (done) return results;
    switch (op) {
      case OpCode.create:
        results.push({ op, path: r.ustring() });
        break;
      case OpCode.create2:
        results.push({ op, ...readCreate2(r) });
        break;
      case OpCode.delete:
      case OpCode.check:
        results.push({ op });
        break;
      case OpCode.setData:
        results.push({ op, stat: readStat(r) });
        break;
      case OpCode.getData:
        results.push({ op, ...readGetData(r) });
        break;
      case OpCode.getChildren:
        results.push({ op, children: r.strings() });
        break;
      case OpCode.error:
        results.push({ op, err: r.int() });
        break;
      default:
        throw new ProtocolError(`multi result of type ${op}`);
    }
  }
}

/** WhoAmIResponse: a vector of ClientInfo (authScheme, user). */
export function readWhoAmI(r: JuteReader): Array<{ scheme: string; user: string }> {
  const count = r.count(8);
  const identities = new Array<{ scheme: string; user: string }>(count);
  for (let i = 0; i < count; i += 1) identities[i] = { scheme: r.ustring(), user: r.ustring() };
  return identities;
}

/** AuthPacket: type (always 0), scheme, auth bytes. */
export function writeAuth(w: JuteWriter, scheme: string, auth: Buffer): void {
  w.int(0).string(scheme).bytes(auth);
}

/** The watches SetWatches2 re-registers, by kind. */
export interface WatchSet {
  data: string[];
  exist: string[];
  child: string[];
  persistent: string[];
  persistentRecursive: string[];
}

/** SetWatches2: the last zxid seen, then the five path vectors. */
export function writeSetWatches2(w: JuteWriter, relativeZxid: bigint, set: WatchSet): void {
  w.long(relativeZxid).strings(set.data).strings(set.exist).strings(set.child).strings(set.persistent).strings(set.persistentRecursive);
}

/** A notification's body: WatcherEvent (type, state, path). */
export function readWatcherEvent(r: JuteReader): { type: number; state: number; path: string } {
  return { type: r.int(), state: r.int(), path: r.ustring() };
}
