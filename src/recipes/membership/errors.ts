/** Errors of the membership recipes. */
import { brand } from '../../client/brand';
import { RecipeTimeoutError } from '../shared/errors';

/** `waitForInitialCreate({ timeoutMs })` (or `setData`'s wait) ran out of time. */
export class PersistentNodeTimeoutError extends RecipeTimeoutError {
  override readonly name: string = 'PersistentNodeTimeoutError';
}
brand(PersistentNodeTimeoutError, 'PersistentNodeTimeoutError');
