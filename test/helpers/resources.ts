/** {@link leavesNothingBehind}: checks that some work (start, use, close) leaves no socket or timer behind. */
import { eventually, scaled } from './index';

/** Active resources keeping the event loop alive, counted by type (sockets, timers, ...). */
function resources(): Map<string, number> {
  const counts = new Map<string, number>();
  for (const type of process.getActiveResourcesInfo()) counts.set(type, (counts.get(type) ?? 0) + 1);
  return counts;
}

function describeCounts(counts: Map<string, number>): string {
  return [...counts].map(([type, n]) => `${type}×${n}`).sort().join(', ');
}

/** Runs `work`, then waits until the process holds no more resources than before it. */
export async function leavesNothingBehind(work: () => Promise<void>): Promise<void> {
  const before = resources();
  await work();
  let after = resources();
  await eventually(() => {
    after = resources();
    return [...after].every(([type, n]) => n <= (before.get(type) ?? 0));
  }, scaled(5000)).catch(() => {
    throw new Error(`left behind: before [${describeCounts(before)}], after [${describeCounts(after)}]`);
  });
}
