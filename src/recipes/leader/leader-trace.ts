/** The leader family's events on `zk-recipes:leader` (see `src/client/channels.ts`); nothing is built without subscribers. */
import { channels, traceSince, type LeaderMessage } from '../../client/channels';
import type { LossReason } from '../shared/errors';

/** Publishes `gained`; returns the clock reading the term's length is measured from (0 when nobody listens). */
export function traceGained(kind: string, path: string, sessionId: string | undefined): number {
  if (!channels.leader.hasSubscribers) return 0;
  const message: LeaderMessage = { event: 'gained', kind, path, sessionId };
  channels.leader.publish(message);
  return performance.now();
}

/** Publishes `lost` for a term that began at `gainedAt`. */
export function traceLostLeadership(kind: string, path: string, sessionId: string | undefined, gainedAt: number, reason: LossReason): void {
  if (!channels.leader.hasSubscribers) return;
  const message: LeaderMessage = { event: 'lost', kind, path, sessionId, reason, leadMs: traceSince(gainedAt) };
  channels.leader.publish(message);
}
