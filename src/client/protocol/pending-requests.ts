/**
 * The requests sent on a connection and not yet answered, oldest first. ZooKeeper answers a connection's
 * requests in order, so a reply can only be for the oldest one: a queue, not a map.
 */
import type { ZkErrorCode } from '../error-codes';
import { ZkError, type ZkOperation } from '../errors';
import { Fifo } from '../fifo';
import type { JuteReader } from './jute';

/** A request waiting for its reply. */
export interface PendingRequest {
  xid: number;
  operation: ZkOperation;
  /** The caller's path, for errors. */
  path: string | undefined;
  /** Reads the reply (error code already in `err`); returns the value, or throws a ZkError. */
  complete: (reader: JuteReader, err: number) => unknown;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

/** The requests of a connection waiting for their replies, oldest first. */
export class PendingRequests extends Fifo<PendingRequest> {
  /** Fails every request waiting with `code` (the connection they were sent on is gone). */
  failAll(code: ZkErrorCode): void {
    for (const request of this.drain()) request.reject(ZkError.of(code, request.operation, request.path));
  }
}
