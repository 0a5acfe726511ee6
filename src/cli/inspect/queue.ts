/**
 * `inspect queue`: a queue's items and the claims on them. Reads our (and Curator's) layouts: `queue-…`
 * (DistributedQueue, DistributedPriorityQueue, DistributedDelayQueue) and `qn-…` (SimpleDistributedQueue,
 * ZooKeeper's queue recipe). Lock-safe consumers claim an item with an ephemeral node of the same name under
 * the lock path (`<path>-locks` unless the queue was made with another `lockPath`, given as the second
 * argument); a claimed item stays in the queue until its handler finished.
 */
import { joinPath, validatePath, type ZkClient } from '../../index';
import { sessionIdHex } from '../../client/stat';
import { compareItems, delayOrder, fifoOrder, priorityOrder, simpleOrder, type ItemName, type ItemOrder } from '../../recipes/queue/item-order';
import { listOrEmpty, readNode } from '../contenders';
import { formatAge } from '../output';
import type { Inspector } from './inspector';

/** How many items (from the head) the report lists one by one. */
const LISTED = 20;

/** The layouts, in the order names are tried (the most specific first). */
const LAYOUTS: readonly (readonly [string, ItemOrder])[] = [
  ['DistributedDelayQueue', delayOrder],
  ['DistributedPriorityQueue', priorityOrder],
  ['DistributedQueue', fifoOrder],
  ['SimpleDistributedQueue', simpleOrder],
];

/** One item of the queue, as reported. */
export interface QueueItemReport {
  /** The item's node name. */
  name: string;
  /** The recipe whose layout the name follows. */
  layout: string;
  /** Failed attempts so far. */
  attempts: number;
  /** DistributedPriorityQueue: the priority (lower first). */
  priority?: number;
  /** DistributedDelayQueue: when it becomes due (ISO time). */
  dueAt?: string;
  /** Time since its node was created (its ctime), by this machine's clock; absent if it went meanwhile. */
  ageMs: number | undefined;
  /** The session (16 hex digits) of the consumer that claimed it, or `null`. */
  claimedBy: string | null;
}

/** A claim under the lock path: an item being handled by a lock-safe consumer. */
export interface ClaimReport {
  /** The item's node name (the claim's name). */
  name: string;
  /** Session id (16 hex digits) of the consumer that holds the claim. */
  sessionId: string;
  /** Time since the claim was made. */
  ageMs: number;
}

interface Parsed extends ItemName {
  layout: string;
}

function parse(name: string): Parsed | undefined {
  for (const [layout, order] of LAYOUTS) {
    const item = order.parse(name);
    if (item !== undefined) return { ...item, layout };
  }
  return undefined;
}

async function ageOf(client: ZkClient, path: string, now: number): Promise<number | undefined> {
  const node = await client.exists(path);
  return node === null ? undefined : now - node.ctime;
}

export const queueInspector: Inspector = {
  summary: 'depth, oldest item, claimed items (DistributedQueue & co, SimpleDistributedQueue)',
  optionalArg: 'lockPath',
  async inspect(client, path, lockPathArg) {
    const lockPath = lockPathArg ?? `${path}-locks`;
    validatePath(lockPath, 'lockPath');
    const [children, claimNames] = await Promise.all([listOrEmpty(client, path), listOrEmpty(client, lockPath)]);
    const now = Date.now();
    const items = children.map(parse).filter((item): item is Parsed => item !== undefined).sort(compareItems);
    const claimRead = await Promise.all(
      claimNames.sort().map(async (name): Promise<ClaimReport | undefined> => {
        const node = await readNode(client, joinPath(lockPath, name));
        return node === undefined ? undefined : { name, sessionId: sessionIdHex(node.stat.ephemeralOwner), ageMs: now - node.stat.ctime };
      }),
    );
    const claims = claimRead.filter((claim): claim is ClaimReport => claim !== undefined);
    const claimedBy = new Map(claims.map((claim) => [claim.name, claim.sessionId]));

    // ZooKeeper's sequences grow with every child created, so the lowest sequence is the oldest node.
    const oldest = items.reduce<Parsed | undefined>((min, item) => (min === undefined || item.sequence < min.sequence ? item : min), undefined);
    const oldestAgeMs = oldest === undefined ? undefined : await ageOf(client, joinPath(path, oldest.name), now);
    const listed: QueueItemReport[] = await Promise.all(
      items.slice(0, LISTED).map(async (item) => ({
        name: item.name,
        layout: item.layout,
        attempts: item.attempts,
        ...(item.layout === 'DistributedPriorityQueue' ? { priority: item.rank } : {}),
        ...(item.layout === 'DistributedDelayQueue' ? { dueAt: new Date(item.dueAt).toISOString() } : {}),
        ageMs: await ageOf(client, joinPath(path, item.name), now),
        claimedBy: claimedBy.get(item.name) ?? null,
      })),
    );
    const layouts = [...new Set(items.map((item) => item.layout))];
    const claimed = claims.filter((claim) => items.some((item) => item.name === claim.name));

    const text = [
      `queue ${path}: ${items.length} item(s)${layouts.length > 0 ? ` (${layouts.join(', ')})` : ''}, ${claimed.length} claimed` +
        (oldest === undefined ? '' : `, oldest ${oldest.name} age ${oldestAgeMs === undefined ? '?' : formatAge(oldestAgeMs)}`),
      ...listed.map((item, i) => {
        const extra = [
          item.attempts > 0 ? `attempts ${item.attempts}` : '',
          item.priority === undefined ? '' : `priority ${item.priority}`,
          item.dueAt === undefined ? '' : `due ${item.dueAt}`,
          item.claimedBy === null ? '' : `claimed by session 0x${item.claimedBy}`,
        ].filter((part) => part !== '');
        return `  ${i + 1}. ${item.name}  age ${item.ageMs === undefined ? '?' : formatAge(item.ageMs)}${extra.length > 0 ? `  ${extra.join('  ')}` : ''}`;
      }),
      ...(items.length > LISTED ? [`  ... and ${items.length - LISTED} more`] : []),
    ];
    return {
      json: { kind: 'queue', path, lockPath, depth: items.length, layouts, oldest: oldest?.name ?? null, oldestAgeMs: oldestAgeMs ?? null, claims, items: listed },
      text: text.join('\n'),
    };
  },
};
