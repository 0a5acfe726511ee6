/**
 * The error vocabulary every recipe family shares: a call in the wrong lifecycle state, a wait that ran
 * out of time, and "what you held is gone". A family's own `errors.ts` subclasses these (and brands each
 * subclass), so a caller can catch every timeout, or one family's, alike.
 */
import { brand } from '../../client/brand';
import { ZkError } from '../../client/errors';

/** A recipe method was called in a lifecycle state that does not allow it (e.g. `start()` twice). */
export class RecipeStateError extends Error {
  override readonly name: string = 'RecipeStateError';
}
brand(RecipeStateError, 'RecipeStateError');

/** What every timeout error carries besides its message. */
export interface TimeoutDetails {
  /** The recipe's path. */
  path: string;
  /** How long was waited, in milliseconds. */
  timeoutMs: number;
}

/**
 * A wait ran out of time (`timeoutMs`). Every family's timeout error is a subclass with this one
 * constructor shape, `(message, { path, timeoutMs })`, like `ZkError`'s `(message, details)`.
 */
export class RecipeTimeoutError extends Error {
  override readonly name: string = 'RecipeTimeoutError';
  /** The recipe's path. */
  readonly path: string;
  /** How long was waited, in milliseconds. */
  readonly timeoutMs: number;

  constructor(message: string, details: TimeoutDetails) {
    super(message);
    this.path = details.path;
    this.timeoutMs = details.timeoutMs;
  }
}
brand(RecipeTimeoutError, 'RecipeTimeoutError');

/**
 * Why something held (a lock, a lease, a leadership, a queue item being processed) is gone, or was never
 * held. One list for every family.
 */
export type LossReason =
  /** The connection was lost (standard policy): the session, and the node, may be gone unseen. */
  | 'suspended'
  /** The session is gone: its nodes were (or will be) deleted by the server. */
  | 'lost'
  /** The client reconnected with a new session: the old session's nodes are not ours any more. */
  | 'session-changed'
  /** The node that stood for the hold was deleted by someone else, or is no longer first in line. */
  | 'node-deleted'
  /** The holder's recipe was asked to give it up (`interruptLeadership()`). */
  | 'interrupted'
  /** Given up normally (released, or the leadership's work returned). */
  | 'released'
  /** The recipe or its client was closed. */
  | 'closed'
  /** Not held at all (e.g. the signal of a latch that has not led yet). */
  | 'not-held';

/**
 * The `reason` of every aborted hold signal (a lock handle's, a lease's, a leadership's): says why in
 * {@link HoldLostError.reason}.
 *
 * @example
 * ```ts
 * handle.signal.addEventListener('abort', () => {
 *   const { reason } = handle.signal.reason as HoldLostError;
 *   if (reason !== 'released') log.warn({ reason }, 'lock lost while working');
 * });
 * ```
 */
export class HoldLostError extends Error {
  override readonly name: string = 'HoldLostError';
  /** Why the hold ended. */
  readonly reason: LossReason;

  /**
   * `what` names the hold in the user's terms (`Mutex /locks/a`, `LeaderLatch /election (a)`); `options.cause`
   * is what told (e.g. the failed check of a guarded write).
   */
  constructor(what: string, reason: LossReason, options?: ErrorOptions) {
    super(`${what}: no longer held (${reason})`, options);
    this.reason = reason;
  }
}
brand(HoldLostError, 'HoldLostError');

/**
 * A ZooKeeper error re-told in the user's terms: `Mutex /locks/m: client closed` rather than the create of
 * an internal node; same code, the recipe's path, the original error as `cause`. Anything else is returned
 * as it is.
 */
export function inUserTerms(what: string, path: string, error: unknown): unknown {
  if (!(error instanceof ZkError)) return error;
  return new ZkError(`${what}: ${error.code.toLowerCase().replaceAll('_', ' ')}`, { code: error.code, operation: error.operation, path, cause: error });
}
