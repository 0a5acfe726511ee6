/** The client's error classes. */
import { brand } from './brand';
import { isRetriableCode, type ZkErrorCode } from './error-codes';

/** Operation names carried by {@link ZkError}. */
export type ZkOperation =
  | 'connect'
  | 'create'
  | 'getData'
  | 'setData'
  | 'exists'
  | 'getChildren'
  | 'delete'
  | 'getACL'
  | 'setACL'
  | 'sync'
  | 'addAuth'
  | 'transaction'
  | 'countChildren'
  | 'getEphemerals'
  | 'multiRead'
  | 'whoAmI'
  | 'addWatch'
  | 'removeWatches'
  | 'close';

/** Everything {@link ZkError}'s constructor takes besides the message. */
export interface ZkErrorDetails {
  /** The named code. */
  code: ZkErrorCode;
  /** The operation that failed. */
  operation: ZkOperation;
  /** The path concerned (as the caller gave it, without namespace). */
  path?: string;
  /** For a failed transaction: index of the operation that failed. */
  failedOp?: number;
  /** The underlying error. */
  cause?: unknown;
}

/**
 * An error reported by ZooKeeper or by the client about a ZooKeeper operation. `instanceof ZkError` works
 * even when both the ESM and the CJS build of this package are loaded.
 */
export class ZkError extends Error {
  override readonly name = 'ZkError' as const;
  /** The named error code. */
  readonly code: ZkErrorCode;
  /** The operation that failed. */
  readonly operation: ZkOperation;
  /** The path concerned, when there is one. */
  readonly path: string | undefined;
  /** For a failed transaction: index of the operation that failed. */
  readonly failedOp: number | undefined;
  /** Whether retrying may succeed (the request may not have been applied). */
  readonly retriable: boolean;

  constructor(message: string, details: ZkErrorDetails) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.code = details.code;
    this.operation = details.operation;
    this.path = details.path;
    this.failedOp = details.failedOp;
    this.retriable = isRetriableCode(details.code);
  }

  /** Builds an error with a standard message from its parts. */
  static of(code: ZkErrorCode, operation: ZkOperation, path?: string, cause?: unknown): ZkError {
    const where = path === undefined ? '' : ` ${path}`;
    return new ZkError(`${operation}${where}: ${code}`, { code, operation, path, cause });
  }
}

brand(ZkError, 'ZkError');

/** True when `error` is a {@link ZkError} with one of the given codes. */
export function isZkError(error: unknown, ...codes: ZkErrorCode[]): error is ZkError {
  return error instanceof ZkError && (codes.length === 0 || codes.includes(error.code));
}

/**
 * True when `error` only says "the connection or the session is in trouble" — a retriable code, an expired
 * session or a closed client — so a recipe's answer is to look again once connected (or to stop, when
 * closed), not to report it. The one list of such codes; recipes use it instead of their own.
 */
export function isConnectionTrouble(error: unknown): error is ZkError {
  return mayRecover(error) || isZkError(error, 'CLIENT_CLOSED');
}

/**
 * The part of {@link isConnectionTrouble} that waiting can cure: a retriable code or an expired session
 * (a reconnect, or a new session, follows), but not a closed client.
 */
export function mayRecover(error: unknown): error is ZkError {
  return error instanceof ZkError && (error.retriable || error.code === 'SESSION_EXPIRED');
}
