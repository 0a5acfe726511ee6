/**
 * The requests sent on a connection and not yet answered, oldest first. ZooKeeper answers a connection's
 * requests in order, so a reply can only be for the oldest one: a queue, not a map.
 */
import type { ZkErrorCode } from '../error-codes';
import { ZkError, type ZkOperation } from '../errors';
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

/** A FIFO of {@link PendingRequest}s with O(1) push and shift. */
export class PendingRequests {
  private items: Array<PendingRequest | undefined> = [];
  private head = 0;

  /** Number of requests waiting. */
  get size(): number {
    return this.items.length - this.head;
  }

  push(request: PendingRequest): void {
    this.items.push(request);
  }

  /** The oldest request, if any. */
  peek(): PendingRequest | undefined {
    return this.items[this.head];
  }

  /** Takes the oldest request off the queue. */
  shift(): PendingRequest | undefined {
    const request = this.items[this.head];
    this.items[this.head] = undefined;
    this.head += 1;
    if (this.head === this.items.length) {
      this.items = [];
      this.head = 0;
    } else if (this.head > 1024 && this.head * 2 > this.items.length) {
      // Never empty under a steady load: drop the answered front now and then.
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return request;
  }

  /** Fails every request waiting with `code` (the connection they were sent on is gone). */
  failAll(code: ZkErrorCode): void {
    const waiting = this.items.slice(this.head);
    this.items = [];
    this.head = 0;
    for (const request of waiting) request?.reject(ZkError.of(code, request.operation, request.path));
  }
}
