/**
 * What a `GroupMember` sees of its group. `members()` cannot tell: it always lists the member itself, also
 * before its own node shows up in its view (after `start()` resolved, the member's own `join` can still
 * come, after another member's). Its view is followed from its `join`/`leave` events instead.
 */
import type { GroupMember } from '../../src/recipes/membership';
import { scaled, waitForEvent } from './index';

const views = new WeakMap<GroupMember, Set<string>>();

/** Follows `member`'s view from its `join`/`leave` events from now on (call before its `start()`); returns it. */
export function followView(member: GroupMember): GroupMember {
  const view = new Set<string>();
  member.on('join', (id) => view.add(id));
  member.on('leave', (id) => view.delete(id));
  views.set(member, view);
  return member;
}

/**
 * Resolves once the view of `member` (followed by {@link followView}) and its `members()` hold exactly `ids`
 * (checked now and on every change of its view); rejects after `timeoutMs`, saying what it sees.
 */
export async function converges(member: GroupMember, ids: readonly string[], timeoutMs = scaled(20_000)): Promise<void> {
  const view = views.get(member);
  if (view === undefined) throw new Error(`converges(): ${member.id}'s view is not followed (call followView() before start())`);
  const wanted = [...ids].sort().join(',');
  const seen = (): string => [...view].sort().join(',');
  const matches = (): boolean => seen() === wanted && [...member.members().keys()].sort().join(',') === wanted;
  if (matches()) return;
  await waitForEvent(member, 'members', matches, timeoutMs).catch((error: unknown) => {
    throw new Error(`${member.id} sees ${seen()}, wanted ${wanted}`, { cause: error });
  });
}
