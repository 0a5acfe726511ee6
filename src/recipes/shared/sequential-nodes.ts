/**
 * Reading contenders of sequential-node recipes (locks, latches, elections). Names from the different
 * clients are recognised by their marker and ordered by the numeric sequence ZooKeeper appended:
 * Curator / go-zookeeper `…-lock-0000000042` (and `__READ__`, `__WRIT__`, `-latch-`, `-lease-`), kazoo
 * `…__lock__0000000042` / `…__rlock__0000000042`. Writing always uses Curator's form.
 */

/** A contender node: its name, the marker found in it, and its sequence. */
export interface SequentialNode {
  /** Node name (no path). */
  name: string;
  /** The marker that identified it (e.g. `lock-`, `__READ__`). */
  marker: string;
  /** The sequence number ZooKeeper appended. */
  sequence: number;
}

/**
 * Parses a node name: the last occurrence of one of `markers` followed by the digits of the sequence up to
 * the end. Returns undefined for names that are not contenders (other nodes under the same parent).
 */
export function parseSequentialNode(name: string, markers: readonly string[]): SequentialNode | undefined {
  let best: { marker: string; index: number } | undefined;
  for (const marker of markers) {
    const index = name.lastIndexOf(marker);
    if (index >= 0 && (best === undefined || index > best.index)) best = { marker, index };
  }
  if (best === undefined) return undefined;
  const digits = name.slice(best.index + best.marker.length);
  if (!/^\d+$/.test(digits)) return undefined;
  return { name, marker: best.marker, sequence: Number(digits) };
}

/** The contenders among `children`, in sequence order (ties, which ZooKeeper never makes, by name). */
export function sortSequentialNodes(children: readonly string[], markers: readonly string[]): SequentialNode[] {
  const nodes: SequentialNode[] = [];
  for (const child of children) {
    const node = parseSequentialNode(child, markers);
    if (node) nodes.push(node);
  }
  return nodes.sort((a, b) => a.sequence - b.sequence || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}
