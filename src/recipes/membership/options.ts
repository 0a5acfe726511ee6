/** The options of the membership recipes, checked and defaulted in one place each. */
import type { CreateMode } from '../../client/types';
import { toPayload } from '../../client/validate';
import { oneOfOption, optionsObject } from '../shared/options';
import type { GroupMemberOptions } from './group-member';
import type { PersistentNodeOptions } from './persistent-node';

const MODES: readonly CreateMode[] = ['ephemeral', 'persistent', 'ephemeral-sequential', 'persistent-sequential'];

/** {@link PersistentNodeOptions} with every default filled in. */
export interface ResolvedPersistentNodeOptions {
  data: Buffer;
  mode: CreateMode;
}

/** Checks {@link PersistentNodeOptions} (TypeError/RangeError naming the option) and fills in defaults. */
export function resolvePersistentNodeOptions(options: PersistentNodeOptions | undefined): ResolvedPersistentNodeOptions {
  const given = optionsObject(options, 'PersistentNode');
  return { data: toPayload(given.data, 'PersistentNode data'), mode: oneOfOption(given.mode, 'mode', 'PersistentNode', MODES, 'ephemeral') };
}

/** {@link GroupMemberOptions} with every default filled in. */
export interface ResolvedGroupMemberOptions {
  data: Buffer;
}

/** Checks {@link GroupMemberOptions} and fills in defaults. */
export function resolveGroupMemberOptions(options: GroupMemberOptions | undefined): ResolvedGroupMemberOptions {
  const given = optionsObject(options, 'GroupMember');
  return { data: toPayload(given.data, 'GroupMember data') };
}
