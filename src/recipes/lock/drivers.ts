/**
 * The strategy seam of the lock engine (Curator's LockInternalsDriver): which node names a lock writes and
 * recognises, and, given the contenders in sequence order, whether a node holds the lock or which nodes it
 * must wait for. A waiter watches at most the two nearest nodes that block it, so one release wakes at most
 * two waiters, however long the line (no herd).
 */
import type { SequentialNode } from '../shared/sequential-nodes';

/**
 * A node ahead of ours that keeps us from holding. `final`: once it is deleted, it no longer blocks and
 * nothing took its place ahead of ours, so the engine may count it off without listing again (false for a
 * writer, which may have left a downgrade read node in its place).
 */
export interface Blocker {
  name: string;
  final: boolean;
}

/**
 * The decision for one contender: held, or `blockers` nodes ahead keep us from holding, of which we watch
 * `watch` (the nearest first). When the deletions of watched, final blockers leave no blocker, we hold;
 * while every remaining blocker is watched, we wait on without listing (new contenders only ever line up
 * behind us); otherwise we list again.
 */
export type LockDecision = { held: true } | { held: false; blockers: number; watch: readonly Blocker[] };

/** A lock kind's rules. */
export interface LockDriver {
  /** The marker written into our node names (`_c_<uuid>-<marker><seq10>`). */
  readonly marker: string;
  /** Every marker whose nodes count as contenders under the lock's path (ours and other clients'). */
  readonly markers: readonly string[];
  /** Decides for the contender at `ourIndex` of `contenders` (sorted by sequence). */
  decide(contenders: readonly SequentialNode[], ourIndex: number): LockDecision;
}

/** Curator's mutex marker (also go-zookeeper's). */
export const MUTEX_MARKER = 'lock-';
/** Curator's read-lock marker. */
export const READ_MARKER = '__READ__';
/** Curator's write-lock marker. */
export const WRITE_MARKER = '__WRIT__';
/** kazoo's exclusive (and write) lock marker. */
export const KAZOO_LOCK_MARKER = '__lock__';
/** kazoo's read-lock marker. */
export const KAZOO_READ_MARKER = '__rlock__';

const READ_MARKERS: ReadonlySet<string> = new Set([READ_MARKER, KAZOO_READ_MARKER]);

/** True for a contender that takes the lock shared (a reader). */
export function isReader(node: SequentialNode): boolean {
  return READ_MARKERS.has(node.marker);
}

/**
 * First in line holds; everybody else is blocked by every node ahead and watches the two nearest: the
 * predecessor, and the node before it, whose deletion tells a waiter that it became second in line.
 */
function firstHolds(contenders: readonly SequentialNode[], ourIndex: number, final: (node: SequentialNode) => boolean): LockDecision {
  if (ourIndex === 0) return { held: true };
  const watch = contenders.slice(Math.max(0, ourIndex - 2), ourIndex).reverse();
  return { held: false, blockers: ourIndex, watch: watch.map((node) => ({ name: node.name, final: final(node) })) };
}

/**
 * Mutex: exclusive. Any contender ahead of us blocks, whatever client wrote it (a kazoo read lock too:
 * treating it as exclusive is the safe reading). Mutex nodes are all sequential, so none can appear ahead.
 */
export const mutexDriver: LockDriver = {
  marker: MUTEX_MARKER,
  markers: [MUTEX_MARKER, KAZOO_LOCK_MARKER, KAZOO_READ_MARKER],
  decide: (contenders, ourIndex) => firstHolds(contenders, ourIndex, () => true),
};

const RW_MARKERS = [READ_MARKER, WRITE_MARKER, KAZOO_READ_MARKER, KAZOO_LOCK_MARKER] as const;

/**
 * Write lock: first among all readers and writers. Never counts a writer's deletion off without listing
 * again: a writer that takes the read lock to downgrade creates its read node with its own sequence
 * (Curator 5.5+ does the same), so a node *can* appear ahead of a waiting writer in a writer's place.
 */
export const writeDriver: LockDriver = {
  marker: WRITE_MARKER,
  markers: RW_MARKERS,
  decide: (contenders, ourIndex) => firstHolds(contenders, ourIndex, isReader),
};

/**
 * Read lock: held when no writer is ahead. Otherwise waits for the nearest writer ahead (not the first one,
 * as Curator does), so a release of a writer wakes only the readers right behind it. (Nodes that appear
 * ahead later are downgrade read nodes, which do not block readers.)
 */
export const readDriver: LockDriver = {
  marker: READ_MARKER,
  markers: RW_MARKERS,
  decide(contenders, ourIndex) {
    const writers = contenders.slice(0, ourIndex).filter((node) => !isReader(node));
    const nearest = writers.at(-1);
    if (nearest === undefined) return { held: true };
    // A writer's downgrade read node does not block readers: the writer's deletion is final for us.
    return { held: false, blockers: writers.length, watch: [{ name: nearest.name, final: true }] };
  },
};
