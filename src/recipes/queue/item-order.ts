/**
 * The strategy seam of the queue engine (as the lock drivers are for the lock engine): which node names a
 * queue writes, which it recognises as items, and in which order items come out. Names follow Apache
 * Curator's layouts, so a queue path can be shared with Java services:
 *
 * - `SimpleDistributedQueue` (and ZooKeeper's own queue recipe): `qn-<seq10>`;
 * - `DistributedQueue`: `queue-<seq10>`;
 * - `DistributedPriorityQueue`: `queue-<p><hex8><seq10>`, `p` = `0` for negative priorities, `1` otherwise,
 *   then the priority as 32-bit two's complement hex, so that names sort by priority (lower first);
 * - `DistributedDelayQueue`: `queue-|<hex epoch ms>|<seq10>`.
 *
 * An item handed back to the queue after a failed attempt is written anew (at the tail of its rank) with
 * `a<attempts>-` before the sequence: the attempt count travels with the item, outside its data.
 */

/** An item node as read from a listing. */
export interface ItemName {
  /** Node name. */
  name: string;
  /** What orders items before the sequence: the priority, the due time, or 0. */
  rank: number;
  /** The sequence ZooKeeper appended. */
  sequence: number;
  /** Failed attempts so far (0 for an item never handed back). */
  attempts: number;
  /** Epoch ms from which the item may be taken (0: at once). */
  dueAt: number;
}

/** A queue kind's naming rules. */
export interface ItemOrder {
  /** Parses a child name; undefined for nodes that are not items of this kind. */
  parse(name: string): ItemName | undefined;
  /** The name (before the sequence ZooKeeper appends) of an item of `rank` after `attempts` failed attempts. */
  prefix(rank: number, attempts: number): string;
}

/** Orders items by rank, then by sequence. */
export function compareItems(a: ItemName, b: ItemName): number {
  return a.rank - b.rank || a.sequence - b.sequence;
}

/** Parses with `pattern`, whose groups are: 1 the rank text (may be empty), 2 the attempts, 3 the sequence. */
function parser(pattern: RegExp, rankOf: (text: string) => number, due: boolean): (name: string) => ItemName | undefined {
  return (name) => {
    const match = pattern.exec(name);
    if (match === null) return undefined;
    const rank = rankOf(match[1] ?? '');
    if (Number.isNaN(rank)) return undefined;
    return { name, rank, sequence: Number(match[3]), attempts: match[2] === undefined ? 0 : Number(match[2]), dueAt: due ? rank : 0 };
  };
}

/** Marks an item handed back after failed attempts. */
function attemptsTag(attempts: number): string {
  return attempts > 0 ? `a${attempts}-` : '';
}

/** `qn-<seq10>`: Curator's SimpleDistributedQueue and ZooKeeper's queue recipe. */
export const simpleOrder: ItemOrder = {
  parse: parser(/^qn-()(?:a(\d+)-)?(\d{10,})$/, () => 0, false),
  prefix: (_rank, attempts) => `qn-${attemptsTag(attempts)}`,
};

/** `queue-<seq10>`: Curator's DistributedQueue. */
export const fifoOrder: ItemOrder = {
  parse: parser(/^queue-()(?:a(\d+)-)?(\d{10,})$/, () => 0, false),
  prefix: (_rank, attempts) => `queue-${attemptsTag(attempts)}`,
};

/** `queue-<p><hex8><seq10>`: Curator's DistributedPriorityQueue (lower priorities first). */
export const priorityOrder: ItemOrder = {
  parse: parser(/^queue-([01][0-9A-F]{8})(?:a(\d+)-)?(\d{10,})$/, (text) => Number.parseInt(text.slice(1), 16) | 0, false),
  prefix: (rank, attempts) => `queue-${rank < 0 ? '0' : '1'}${(rank >>> 0).toString(16).toUpperCase().padStart(8, '0')}${attemptsTag(attempts)}`,
};

/** `queue-|<hex epoch>|<seq10>`: Curator's DistributedDelayQueue (earliest due first). */
export const delayOrder: ItemOrder = {
  parse: parser(/^queue-\|([0-9A-F]+)\|(?:a(\d+)-)?(\d{10,})$/, (text) => Number.parseInt(text, 16), true),
  prefix: (rank, attempts) => `queue-|${rank.toString(16).toUpperCase().padStart(8, '0')}|${attemptsTag(attempts)}`,
};
