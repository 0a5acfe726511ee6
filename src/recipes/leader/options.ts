/** The options of the leader recipes, checked and defaulted in one place each. */
import type { SafetyPolicy } from '../shared/hold-signal';
import { booleanOption, functionOption, idOption, optionsObject, policyOption } from '../shared/options';
import type { LeaderLatchOptions, LeaderSelectorOptions } from './types';

/** {@link LeaderLatchOptions} with every default filled in. */
export interface ResolvedLeaderLatchOptions {
  id: string;
  policy: SafetyPolicy;
}

/** Checks {@link LeaderLatchOptions} (TypeError/RangeError naming the option) and fills in defaults. */
export function resolveLeaderLatchOptions(options: LeaderLatchOptions): ResolvedLeaderLatchOptions {
  const given = optionsObject(options, 'LeaderLatch', true);
  return { id: idOption(given.id, 'id', 'LeaderLatch'), policy: policyOption(given.policy, 'LeaderLatch') };
}

/** {@link LeaderSelectorOptions} with every default filled in. */
export interface ResolvedLeaderSelectorOptions {
  id: string;
  policy: SafetyPolicy;
  autoRequeue: boolean;
  takeLeadership: LeaderSelectorOptions['takeLeadership'];
}

/** Checks {@link LeaderSelectorOptions} (TypeError/RangeError naming the option) and fills in defaults. */
export function resolveLeaderSelectorOptions(options: LeaderSelectorOptions): ResolvedLeaderSelectorOptions {
  const recipe = 'LeaderSelector';
  const given = optionsObject(options, recipe, true);
  return {
    id: idOption(given.id, 'id', recipe),
    policy: policyOption(given.policy, recipe),
    autoRequeue: booleanOption(given.autoRequeue, 'autoRequeue', recipe, false),
    takeLeadership: functionOption(given.takeLeadership, 'takeLeadership', recipe),
  };
}
