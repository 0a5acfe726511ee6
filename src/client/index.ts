/** The client layer's public surface. */
export { ZkClient } from './client';
export { ZkError, isZkError, type ZkOperation, type ZkErrorDetails } from './errors';
export { codeName, isRetriableCode, type ZkErrorCode } from './error-codes';
export type { ZkClientOptions, RetryPolicy } from './options';
export type { TlsOption } from './tls';
export { acl, digestId, OPEN_ACL_UNSAFE, CREATOR_ALL_ACL, READ_ACL_UNSAFE } from './acl';
export type { Logger } from './logger';
export {
  channelNames,
  type CacheMessage,
  type GroupMessage,
  type LeaderMessage,
  type LockMessage,
  type OpMessage,
  type QueueMessage,
  type ServiceMessage,
  type ShutdownMessage,
  type StateMessage,
} from './channels';
export { validatePath, joinPath, nodeName, parentPath } from './paths';
export { MAX_DATA_BYTES } from './validate';
export { Perms } from './types';
export type * from './types';
