/**
 * `inspect semaphore`: a `Semaphore` (Curator's InterProcessSemaphoreV2 layout): the lease nodes under
 * `<path>/leases`, and the acquirers queued on the mutex at `<path>/locks`. The first in that queue is the
 * one taking leases now; while the leases exceed `maxLeases` (which only the clients know) its lease nodes
 * are the last ones listed and it waits for a release.
 */
import { joinPath } from '../../index';
import { MUTEX_MARKER } from '../../recipes/lock/drivers';
import { contenderLine, readContenders } from '../contenders';
import type { Inspector } from './inspector';

/** Curator's lease marker. */
const LEASE_MARKER = 'lease-';

export const semaphoreInspector: Inspector = {
  summary: 'lease holders and the acquirers waiting (Semaphore, Curator InterProcessSemaphoreV2)',
  async inspect(client, path) {
    const leases = await readContenders(client, joinPath(path, 'leases'), [LEASE_MARKER]);
    const waiters = await readContenders(client, joinPath(path, 'locks'), [MUTEX_MARKER]);
    const text = [
      `semaphore ${path}: ${leases.length} lease(s), ${waiters.length} acquirer(s) queued`,
      ...leases.map((c) => contenderLine('  lease', c, true)),
      ...waiters.map((c, i) => contenderLine(`  queued ${i + 1}`, c)),
    ];
    return { json: { kind: 'semaphore', path, leases, waiters }, text: text.join('\n') };
  },
};
