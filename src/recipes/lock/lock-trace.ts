/**
 * The lock family's events on `zk-recipes:lock` (see `src/client/channels.ts`). Each function checks for
 * subscribers before building anything, so a busy lock nobody traces pays one property read per event.
 */
import { channels, traceClock, traceSince, type LockMessage } from '../../client/channels';
import type { LossReason } from '../shared/errors';

/**
 * Where a hold's events say it happened, and when it began (clock readings are 0 when nobody listened).
 * Implemented by the holds themselves, so that tracing allocates nothing per hold.
 */
export interface HoldTrace {
  /** The lock class, e.g. `Mutex`. */
  readonly kind: string;
  /** The lock's path (the parent of its node). */
  readonly lockPath: string;
  /** Session of the node. */
  readonly sessionId: string | undefined;
  /** {@link traceClock} when the acquisition began. */
  readonly waitStart: number;
}

/** Publishes `acquired`; returns the clock reading its hold time is measured from. */
export function traceAcquired(trace: HoldTrace): number {
  if (!channels.lock.hasSubscribers) return 0;
  const { kind, lockPath: path, sessionId, waitStart } = trace;
  const message: LockMessage = { event: 'acquired', kind, path, sessionId, waitMs: traceSince(waitStart) };
  channels.lock.publish(message);
  return traceClock(channels.lock);
}

/** Publishes `released` for a hold acquired at `acquiredAt`. */
export function traceReleased(trace: HoldTrace, acquiredAt: number): void {
  if (!channels.lock.hasSubscribers) return;
  const { kind, lockPath: path, sessionId } = trace;
  const message: LockMessage = { event: 'released', kind, path, sessionId, holdMs: traceSince(acquiredAt) };
  channels.lock.publish(message);
}

/** Publishes `lost` (the hold's signal aborted while it was still held) for a hold acquired at `acquiredAt`. */
export function traceLost(trace: HoldTrace, acquiredAt: number, reason: LossReason): void {
  if (!channels.lock.hasSubscribers) return;
  const { kind, lockPath: path, sessionId } = trace;
  const message: LockMessage = { event: 'lost', kind, path, sessionId, reason, holdMs: traceSince(acquiredAt) };
  channels.lock.publish(message);
}
