/** Membership: {@link PersistentNode} (a node that stays present) and {@link GroupMember}. */
export {
  PersistentNode,
  type PersistentNodeOptions,
  type PersistentNodeEvents,
} from './persistent-node';
export { PersistentNodeTimeoutError } from './errors';
export { GroupMember, validateMemberId, type GroupMemberEvents, type GroupMemberOptions } from './group-member';
