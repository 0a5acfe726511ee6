/** Errors of the leader-election recipes. A lost leadership aborts its signal with the shared `HoldLostError`. */
import { brand } from '../../client/brand';
import { RecipeTimeoutError } from '../shared/errors';

/** `waitForLeadership({ timeoutMs })` ran out of time before this participant became the leader. */
export class LeadershipTimeoutError extends RecipeTimeoutError {
  override readonly name: string = 'LeadershipTimeoutError';
}
brand(LeadershipTimeoutError, 'LeadershipTimeoutError');
