/** Errors of the leader-election recipes. */
import { RecipeTimeoutError } from '../shared/errors';

/** Why a leadership ended. */
export type LeadershipLossReason =
  /** The connection was lost (standard safety policy): the session, and the node, may be gone. */
  | 'suspended'
  /** The session is gone: its node was (or will be) deleted by the server. */
  | 'lost'
  /** The client reconnected with a new session: the old session's node is not ours any more. */
  | 'session-changed'
  /** The participant's node vanished (deleted by someone else) or is no longer first. */
  | 'node-deleted'
  /** `interruptLeadership()` was called (LeaderSelector). */
  | 'interrupted'
  /** The leadership ended normally (`takeLeadership` returned). */
  | 'released'
  /** The recipe or its client was closed. */
  | 'closed'
  /** Not leading at all (the signal of a latch that has not led yet). */
  | 'not-leader';

/** The `reason` of an aborted leadership signal: says why, in {@link LeadershipLostError.reason}. */
export class LeadershipLostError extends Error {
  override readonly name = 'LeadershipLostError' as const;
  /** Why the leadership ended. */
  readonly reason: LeadershipLossReason;

  constructor(what: string, reason: LeadershipLossReason) {
    super(`${what}: leadership ended (${reason})`, { cause: reason });
    this.reason = reason;
  }
}

/** `await({ timeoutMs })` ran out of time before this participant became the leader. */
export class LeadershipTimeoutError extends RecipeTimeoutError {
  override readonly name = 'LeadershipTimeoutError';
}

/** Throws a `TypeError` unless `id` is a non-empty string. */
export function validateParticipantId(id: unknown, what: string): asserts id is string {
  if (typeof id !== 'string') throw new TypeError(`${what}: id must be a string, got ${typeof id}`);
  if (id.length === 0) throw new TypeError(`${what}: id must not be empty`);
}
