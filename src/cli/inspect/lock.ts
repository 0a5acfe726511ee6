/**
 * `inspect lock`: holders and waiters of a mutex or read-write lock, in line order. Reads Curator's
 * (`-lock-`, `__READ__`, `__WRIT__`) and kazoo's (`__lock__`, `__rlock__`) nodes, and decides who holds
 * with the lock recipes' own rules: a reader holds while no writer is ahead, anybody else when first.
 */
import { isReader, mutexDriver, readDriver, KAZOO_LOCK_MARKER, KAZOO_READ_MARKER, MUTEX_MARKER, READ_MARKER, WRITE_MARKER } from '../../recipes/lock/drivers';
import { contenderLine, readContenders, type Contender } from '../contenders';
import type { Inspector } from './inspector';

const MARKERS = [MUTEX_MARKER, READ_MARKER, WRITE_MARKER, KAZOO_LOCK_MARKER, KAZOO_READ_MARKER];

/** A contender of a lock and how it takes it. */
export interface LockContender extends Contender {
  /** `read` for shared (read-lock) nodes, `exclusive` for mutex and write-lock nodes. */
  mode: 'read' | 'exclusive';
  /** Which client's node layout it uses. */
  layout: 'curator' | 'kazoo';
}

export const lockInspector: Inspector = {
  summary: 'holders and waiters in line order (Curator and kazoo mutexes and read-write locks)',
  async inspect(client, path) {
    const line = (await readContenders(client, path, MARKERS)).map(
      (c): LockContender => ({
        ...c,
        mode: isReader(c) ? 'read' : 'exclusive',
        layout: c.marker === KAZOO_LOCK_MARKER || c.marker === KAZOO_READ_MARKER ? 'kazoo' : 'curator',
      }),
    );
    const holds = line.map((c, i) => (isReader(c) ? readDriver : mutexDriver).decide(line, i).held);
    const holders = line.filter((_, i) => holds[i]);
    const waiters = line.filter((_, i) => !holds[i]);
    const text = [
      `lock ${path}: ${holders.length === 0 ? 'free' : `held`}, ${waiters.length} waiting`,
      ...holders.map((c) => contenderLine(`  holder (${c.mode})`, c)),
      ...waiters.map((c, i) => contenderLine(`  waiter ${i + 1} (${c.mode})`, c)),
    ];
    return { json: { kind: 'lock', path, holders, waiters }, text: text.join('\n') };
  },
};
