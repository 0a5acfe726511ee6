/**
 * The strategy seam of the lock engine (Curator's LockInternalsDriver): which node names a lock writes and
 * recognises, and, given the contenders in sequence order, whether a node holds the lock or which node it
 * must wait for. Waiting always targets one node, so that one release wakes one waiter (no herd).
 */
import type { SequentialNode } from '../shared/sequential-nodes';

/**
 * The decision for one contender. `lastBlocker`: `waitFor` is the only node that keeps us from holding, so
 * once it is deleted we hold — no need to list again (new contenders only ever line up behind us).
 */
export type LockDecision = { held: true } | { held: false; waitFor: string; lastBlocker: boolean };

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

/** First in line holds; everybody else waits for the node just before it. */
function firstHolds(contenders: readonly SequentialNode[], ourIndex: number): LockDecision {
  const ahead = contenders[ourIndex - 1];
  if (ourIndex === 0 || ahead === undefined) return { held: true };
  return { held: false, waitFor: ahead.name, lastBlocker: ourIndex === 1 };
}

/**
 * Mutex: exclusive. Any contender ahead of us blocks, whatever client wrote it (a kazoo read lock too:
 * treating it as exclusive is the safe reading). Mutex nodes are all sequential, so none can appear ahead.
 */
export const mutexDriver: LockDriver = {
  marker: MUTEX_MARKER,
  markers: [MUTEX_MARKER, KAZOO_LOCK_MARKER, KAZOO_READ_MARKER],
  decide: firstHolds,
};

const RW_MARKERS = [READ_MARKER, WRITE_MARKER, KAZOO_READ_MARKER, KAZOO_LOCK_MARKER] as const;

/**
 * Write lock: first among all readers and writers. Never acts on a deletion without listing again: a
 * writer that takes the read lock to downgrade creates its read node with its own sequence (Curator 5.5+
 * does the same), so a node *can* appear ahead of a waiting writer.
 */
export const writeDriver: LockDriver = {
  marker: WRITE_MARKER,
  markers: RW_MARKERS,
  decide(contenders, ourIndex) {
    const decision = firstHolds(contenders, ourIndex);
    return decision.held ? decision : { ...decision, lastBlocker: false };
  },
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
    for (let i = ourIndex - 1; i >= 0; i -= 1) {
      const node = contenders[i];
      if (node === undefined || isReader(node)) continue;
      const lastBlocker = contenders.slice(0, i).every(isReader);
      return { held: false, waitFor: node.name, lastBlocker };
    }
    return { held: true };
  },
};
