/**
 * The one table that maps ZooKeeper's numeric result codes to {@link ZkErrorCode} names and says which of
 * them are worth retrying.
 */

/** Named error codes: ZooKeeper's own plus a few the client raises itself. */
export type ZkErrorCode =
  | 'SYSTEM_ERROR'
  | 'RUNTIME_INCONSISTENCY'
  | 'DATA_INCONSISTENCY'
  | 'CONNECTION_LOSS'
  | 'MARSHALLING_ERROR'
  | 'UNIMPLEMENTED'
  | 'OPERATION_TIMEOUT'
  | 'BAD_ARGUMENTS'
  | 'UNKNOWN_SESSION'
  | 'NEW_CONFIG_NO_QUORUM'
  | 'RECONFIG_IN_PROGRESS'
  | 'API_ERROR'
  | 'NO_NODE'
  | 'NO_AUTH'
  | 'BAD_VERSION'
  | 'NO_CHILDREN_FOR_EPHEMERALS'
  | 'NODE_EXISTS'
  | 'NOT_EMPTY'
  | 'SESSION_EXPIRED'
  | 'INVALID_CALLBACK'
  | 'INVALID_ACL'
  | 'AUTH_FAILED'
  | 'SESSION_MOVED'
  | 'NOT_READ_ONLY'
  | 'EPHEMERAL_ON_LOCAL_SESSION'
  | 'NO_WATCHER'
  | 'REQUEST_TIMEOUT'
  | 'RECONFIG_DISABLED'
  | 'SESSION_CLOSED_REQUIRE_SASL'
  | 'QUOTA_EXCEEDED'
  | 'THROTTLED_OP'
  /** The client was closed before or while the operation ran. */
  | 'CLIENT_CLOSED'
  /** `start()` did not connect within `connectionTimeoutMs`. */
  | 'CONNECT_TIMEOUT'
  /**
   * `start()` could not make a TLS connection to any server: a certificate was refused (by the client or
   * the server) or a server does not speak TLS. `cause` is Node's TLS error.
   */
  | 'TLS_FAILED'
  /** A code this client does not know (a newer server). */
  | 'UNKNOWN';

interface CodeInfo {
  code: ZkErrorCode;
  retriable: boolean;
}

const byNumber = new Map<number, CodeInfo>([
  [-1, { code: 'SYSTEM_ERROR', retriable: false }],
  [-2, { code: 'RUNTIME_INCONSISTENCY', retriable: false }],
  [-3, { code: 'DATA_INCONSISTENCY', retriable: false }],
  [-4, { code: 'CONNECTION_LOSS', retriable: true }],
  [-5, { code: 'MARSHALLING_ERROR', retriable: false }],
  [-6, { code: 'UNIMPLEMENTED', retriable: false }],
  [-7, { code: 'OPERATION_TIMEOUT', retriable: true }],
  [-8, { code: 'BAD_ARGUMENTS', retriable: false }],
  [-12, { code: 'UNKNOWN_SESSION', retriable: false }],
  [-13, { code: 'NEW_CONFIG_NO_QUORUM', retriable: false }],
  [-14, { code: 'RECONFIG_IN_PROGRESS', retriable: false }],
  [-100, { code: 'API_ERROR', retriable: false }],
  [-101, { code: 'NO_NODE', retriable: false }],
  [-102, { code: 'NO_AUTH', retriable: false }],
  [-103, { code: 'BAD_VERSION', retriable: false }],
  [-108, { code: 'NO_CHILDREN_FOR_EPHEMERALS', retriable: false }],
  [-110, { code: 'NODE_EXISTS', retriable: false }],
  [-111, { code: 'NOT_EMPTY', retriable: false }],
  [-112, { code: 'SESSION_EXPIRED', retriable: false }],
  [-113, { code: 'INVALID_CALLBACK', retriable: false }],
  [-114, { code: 'INVALID_ACL', retriable: false }],
  [-115, { code: 'AUTH_FAILED', retriable: false }],
  [-118, { code: 'SESSION_MOVED', retriable: true }],
  [-119, { code: 'NOT_READ_ONLY', retriable: false }],
  [-120, { code: 'EPHEMERAL_ON_LOCAL_SESSION', retriable: false }],
  [-121, { code: 'NO_WATCHER', retriable: false }],
  [-122, { code: 'REQUEST_TIMEOUT', retriable: true }],
  [-123, { code: 'RECONFIG_DISABLED', retriable: false }],
  [-124, { code: 'SESSION_CLOSED_REQUIRE_SASL', retriable: false }],
  [-125, { code: 'QUOTA_EXCEEDED', retriable: false }],
  [-127, { code: 'THROTTLED_OP', retriable: true }],
]);

const retriableNames = new Set<ZkErrorCode>(
  [...byNumber.values()].filter((info) => info.retriable).map((info) => info.code),
);

/** Name of a numeric ZooKeeper result code; `UNKNOWN` for codes this table does not have. */
export function codeName(numeric: number): ZkErrorCode {
  return byNumber.get(numeric)?.code ?? 'UNKNOWN';
}

/** Whether an operation that failed with this code may be retried (the request may not have been applied). */
export function isRetriableCode(code: ZkErrorCode): boolean {
  return retriableNames.has(code);
}
