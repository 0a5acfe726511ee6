/**
 * Encoded sizes of requests, checked against the server's `jute.maxbuffer` before anything is sent (sent,
 * an oversized request makes the server drop the connection, and every retry would do it again).
 */
import type { Acl, CreateMode, TransactionOp } from './types';
import { encodedSize, isTtlMode } from './validate';

/** A transaction op with its path on the server and its payload and ACL resolved. */
export type WireTransactionOp = TransactionOp & { data?: Buffer; acl?: Acl[] };

/** Request sizes for one connect string (the wire client adds its chroot to every path). */
export class RequestSizes {
  private readonly chrootLength: number;

  constructor(connectString: string) {
    const chroot = connectString.indexOf('/');
    this.chrootLength = chroot < 0 ? 0 : connectString.length - chroot;
  }

  /** A create request (the TTL modes carry 8 bytes more). */
  create(full: string, data: Buffer, acl: readonly Acl[], mode: CreateMode = 'persistent'): number {
    const ttl = isTtlMode(mode) ? 8 : 0;
    return encodedSize.header + this.path(full) + encodedSize.buffer(data) + encodedSize.acl(acl) + 4 + ttl;
  }

  /** A setData request. */
  setData(full: string, data: Buffer): number {
    return encodedSize.header + this.path(full) + encodedSize.buffer(data) + 4;
  }

  /** A multi request of `ops`. */
  transaction(ops: readonly WireTransactionOp[]): number {
    const multiHeader = 4 + 1 + 4; // op code, done flag, error code
    let size = encodedSize.header + multiHeader;
    for (const op of ops) {
      size += multiHeader;
      if (op.type === 'create') size += this.create(op.path, op.data ?? Buffer.alloc(0), op.acl ?? [], op.mode) - encodedSize.header;
      else if (op.type === 'setData') size += this.setData(op.path, op.data ?? Buffer.alloc(0)) - encodedSize.header;
      else size += this.path(op.path) + 4;
    }
    return size;
  }

  /** A path as the server receives it (with the chroot). */
  path(full: string): number {
    return encodedSize.string(full) + this.chrootLength;
  }
}
