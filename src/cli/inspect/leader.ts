/**
 * `inspect leader`: the leader and the participants of an election, in line order, with their ids (the
 * nodes' data). Reads `LeaderLatch` (`-latch-`), `LeaderSelector` (`-lock-`) and kazoo's `Election`
 * (`__lock__`) nodes.
 */
import { LATCH_MARKER, SELECTOR_MARKER } from '../../index';
import { KAZOO_LOCK_MARKER } from '../../recipes/lock/drivers';
import { contenderLine, readContenders } from '../contenders';
import type { Inspector } from './inspector';

export const leaderInspector: Inspector = {
  summary: 'the leader and the participants with their ids (LeaderLatch, LeaderSelector, kazoo Election)',
  async inspect(client, path) {
    const participants = (await readContenders(client, path, [LATCH_MARKER, SELECTOR_MARKER, KAZOO_LOCK_MARKER])).map((c) => ({
      ...c,
      id: c.data,
    }));
    const leader = participants[0] ?? null;
    const text = [
      `election ${path}: ${leader === null ? 'no leader' : `leader ${JSON.stringify(leader.id)}`}, ${participants.length} participant(s)`,
      ...participants.map((p, i) => contenderLine(`  ${i === 0 ? 'leader' : `${i + 1}.`} ${JSON.stringify(p.id)}`, p)),
    ];
    return { json: { kind: 'leader', path, leader, participants }, text: text.join('\n') };
  },
};
