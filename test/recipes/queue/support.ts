/**
 * {@link DeliveryChecker}: an independent account of a queue run — what producers put, what consumers were
 * handed — that judges the run without trusting the queue: every item delivered, how many twice, and
 * whether each consumer saw each producer's items in the order they were put.
 */

/** An item as the tests put it: who produced it and its index in that producer's sequence. */
export interface TestItem {
  producer: number;
  index: number;
}

/** What the checker concludes. */
export interface DeliveryReport {
  /** Items put. */
  put: number;
  /** Distinct items delivered. */
  delivered: number;
  /** Items put but never delivered. */
  missing: string[];
  /** Deliveries beyond the first of an item. */
  duplicates: number;
  /** Items delivered that nobody put. */
  unknown: string[];
  /** (consumer, producer) pairs whose deliveries went backwards, first offence each. */
  outOfOrder: string[];
}

/** Records puts and deliveries; {@link DeliveryChecker.report} compares them. */
export class DeliveryChecker {
  private readonly puts = new Set<string>();
  private readonly deliveries = new Map<string, number>();
  /** Last index seen per consumer and producer. */
  private readonly lastSeen = new Map<string, number>();
  private readonly backwards = new Map<string, string>();

  /** A producer put `item` (call once its put resolved). */
  put(item: TestItem): void {
    this.puts.add(key(item));
  }

  /** `consumer` was handed `item` (call at the start of the handler). */
  delivered(consumer: string, item: TestItem): void {
    const k = key(item);
    this.deliveries.set(k, (this.deliveries.get(k) ?? 0) + 1);
    const pair = `${consumer}<-p${item.producer}`;
    const last = this.lastSeen.get(pair);
    if (last !== undefined && item.index <= last && !this.backwards.has(pair)) this.backwards.set(pair, `${pair}: ${item.index} after ${last}`);
    this.lastSeen.set(pair, Math.max(last ?? -1, item.index));
  }

  /** Distinct items delivered so far. */
  get deliveredCount(): number {
    return this.deliveries.size;
  }

  /** The verdict. */
  report(): DeliveryReport {
    const missing = [...this.puts].filter((k) => !this.deliveries.has(k));
    const unknown = [...this.deliveries.keys()].filter((k) => !this.puts.has(k));
    let duplicates = 0;
    for (const count of this.deliveries.values()) duplicates += count - 1;
    return { put: this.puts.size, delivered: this.deliveries.size, missing, duplicates, unknown, outOfOrder: [...this.backwards.values()] };
  }
}

function key(item: TestItem): string {
  return `p${item.producer}#${item.index}`;
}
