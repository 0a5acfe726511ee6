/**
 * Every `diagnostics_channel` channel zk-recipes publishes to, and the shape of its messages. Messages are
 * only built when a channel has subscribers (publishers check `hasSubscribers` first), so tracing costs
 * nothing when nobody listens. They carry names, paths, session ids and durations: never node data, member
 * data or credentials.
 *
 * @example
 * ```ts
 * import diagnostics from 'node:diagnostics_channel';
 * import { channelNames, type LockMessage } from 'zk-recipes';
 *
 * diagnostics.subscribe(channelNames.lock, (message) => {
 *   const m = message as LockMessage;
 *   if (m.event === 'acquired' && m.waitMs !== undefined) lockWaits.record(m.waitMs);
 * });
 * ```
 */
import diagnostics from 'node:diagnostics_channel';
import type { ConnectionState } from './types';

/** The channel names, one per kind of event. */
export const channelNames = {
  /** {@link OpMessage}: after every client operation. */
  op: 'zk-recipes:op',
  /** {@link StateMessage}: every connection state change. */
  state: 'zk-recipes:state',
  /** {@link LockMessage}: a lock or lease acquired, released or lost. */
  lock: 'zk-recipes:lock',
  /** {@link LeaderMessage}: leadership gained or lost (LeaderLatch, LeaderSelector). */
  leader: 'zk-recipes:leader',
  /** {@link GroupMessage}: a GroupMember joined or left its group. */
  group: 'zk-recipes:group',
  /** {@link CacheMessage}: a cache re-read what it holds after a gap (reconnect, new session). */
  cache: 'zk-recipes:cache',
  /** {@link QueueMessage}: a queue item taken (claimed or removed) or acknowledged (removed after its handler). */
  queue: 'zk-recipes:queue',
  /** {@link ServiceMessage}: a ServiceDiscovery instance's node was created (registered, or re-registered). */
  service: 'zk-recipes:service',
  /** {@link ShutdownMessage}: a client's graceful shutdown released what it held. */
  shutdown: 'zk-recipes:shutdown',
} as const;

/** Published on `zk-recipes:op` after every operation (successful or not), retries included in the duration. */
export interface OpMessage {
  /** The operation (`create`, `getData`, ...). */
  operation: string;
  /** The caller's path (namespace not applied); absent for transactions. */
  path: string | undefined;
  /** Session id (hex) the operation ended on. */
  sessionId: string | undefined;
  /** Time from the call to its outcome. */
  durationMs: number;
}

/** Published on `zk-recipes:state` on every connection state change. */
export interface StateMessage {
  /** The new state. */
  state: ConnectionState;
  /** Session id (hex), when there is one. */
  sessionId: string | undefined;
}

/** What every recipe event says about where it happened. */
interface RecipeMessage {
  /** The recipe class: `Mutex`, `ReadLock`, `WriteLock`, `Semaphore`, `SemaphoreMutex`, `LeaderLatch`, `DistributedQueue`, ... */
  kind: string;
  /** The recipe's path (namespace not applied). */
  path: string;
  /** Session id (hex) of the node that stood for it. */
  sessionId: string | undefined;
}

/**
 * Published on `zk-recipes:lock`. `waitMs` and `holdMs` are absent when nobody was subscribed when the
 * wait started or the lock was acquired (the clock is only read for subscribers). One message per hold:
 * a reentrant acquisition publishes nothing; a semaphore publishes one per lease.
 */
export type LockMessage = RecipeMessage &
  (
    | {
        /** The lock (or lease) is held. */
        event: 'acquired';
        /** From the call to `acquire()` to holding. */
        waitMs: number | undefined;
      }
    | {
        /** The hold ended (released, or after `lost`). */
        event: 'released';
        /** From acquiring to releasing. */
        holdMs: number | undefined;
      }
    | {
        /** The hold became uncertain (its signal aborted) before it was released; `released` follows. */
        event: 'lost';
        /** A `LossReason`: `suspended`, `lost`, `session-changed`, `closed`, ... */
        reason: string;
        /** From acquiring to losing it. */
        holdMs: number | undefined;
      }
  );

/** Published on `zk-recipes:leader`. */
export type LeaderMessage = RecipeMessage &
  (
    | {
        /** Leadership was gained. */
        event: 'gained';
      }
    | {
        /** Leadership was lost or given up. */
        event: 'lost';
        /** A `LossReason` (`released` when a LeaderSelector's work returned). */
        reason: string;
        /** How long it led, when somebody was subscribed as it gained leadership. */
        leadMs: number | undefined;
      }
  );

/** Published on `zk-recipes:group`. */
export type GroupMessage = RecipeMessage &
  (
    | {
        /** The member's node was created. */
        event: 'joined';
        /** The member's id (its node's name). */
        memberId: string;
      }
    | {
        /** The member's node was deleted (or its session ended). */
        event: 'left';
        /** The member's id (its node's name). */
        memberId: string;
        /** How long it was a member, when somebody was subscribed as it joined. */
        memberMs: number | undefined;
      }
  );

/** Published on `zk-recipes:cache` when a cache (`TreeCache`, `NodeCache`, the value caches) finished a re-sync. */
export type CacheMessage = RecipeMessage & {
  /** The cache finished re-reading what it holds. */
  event: 'resynced';
};

/**
 * Published on `zk-recipes:queue` by every queue (`DistributedQueue`, `DistributedPriorityQueue`,
 * `DistributedDelayQueue`, `SimpleDistributedQueue`) and its consumers; `kind` is the queue's class,
 * `sessionId` the taking session's. It names the item's node, never its data. A lock-safe item is `taken`
 * when claimed and `acked` once removed after its handler resolved (`take()`: after decoding); an
 * at-most-once item is removed as it is taken, so only `taken` is published. An item handed back after a
 * failed attempt is reported by the consumer's `failed` event, not here.
 */
export type QueueMessage = RecipeMessage &
  (
    | {
        /** The item was claimed (lock-safe) or removed (at-most-once) for this process. */
        event: 'taken';
        /** The item's node name (its sequence, and its priority or due time in the name for those queues). */
        item: string;
        /** Failed attempts before this one. */
        attempts: number;
        /** The queue's delivery mode. */
        mode: 'lock-safe' | 'at-most-once';
        /**
         * From asking for an item to having it; a consumer asks for its next item while the previous one
         * is handled. Absent when nobody was subscribed when the take started.
         */
        waitMs: number | undefined;
      }
    | {
        /** Lock-safe: the item and its claim were removed, its handling done. */
        event: 'acked';
        /** The item's node name. */
        item: string;
        /** From `taken` to the removal (the handler's time and the removal's round trip); absent when nobody was subscribed at `taken`. */
        handleMs: number | undefined;
      }
  );

/** Published on `zk-recipes:service`; `path` is the discovery's base path. Never the instance's address or payload. */
export type ServiceMessage = RecipeMessage & {
  /** The instance's node was created. */
  event: 'registered';
  /** The service's name. */
  serviceName: string;
  /** The instance's id. */
  instanceId: string;
};

/** Published on `zk-recipes:shutdown` once a client's shutdown released what it held (just before the session closes). */
export interface ShutdownMessage {
  /** Session id (hex) being shut down. */
  sessionId: string | undefined;
  /** How many locks, leases and recipes were released. */
  released: number;
  /** True when some were still releasing at `timeoutMs` (the session is closed regardless). */
  timedOut: boolean;
  /** Time from the call to the end of the releases. */
  durationMs: number;
}

/** The channels themselves, for publishers inside zk-recipes. */
export const channels = {
  op: diagnostics.channel(channelNames.op),
  state: diagnostics.channel(channelNames.state),
  lock: diagnostics.channel(channelNames.lock),
  leader: diagnostics.channel(channelNames.leader),
  group: diagnostics.channel(channelNames.group),
  cache: diagnostics.channel(channelNames.cache),
  queue: diagnostics.channel(channelNames.queue),
  service: diagnostics.channel(channelNames.service),
  shutdown: diagnostics.channel(channelNames.shutdown),
};

/** The clock for a duration reported on `channel`: `performance.now()` when subscribed, else 0 (not read). */
export function traceClock(channel: diagnostics.Channel): number {
  return channel.hasSubscribers ? performance.now() : 0;
}

/** Milliseconds since a {@link traceClock} reading, or `undefined` when the clock was not read then. */
export function traceSince(start: number): number | undefined {
  return start === 0 ? undefined : performance.now() - start;
}
