/** Membership: {@link PersistentNode} (a node that stays present) and {@link GroupMember}. */
export {
  PersistentNode,
  PersistentNodeTimeoutError,
  type PersistentNodeOptions,
  type PersistentNodeEvents,
} from './persistent-node';
export { GroupMember, validateMemberId, type GroupMemberEvents } from './group-member';
