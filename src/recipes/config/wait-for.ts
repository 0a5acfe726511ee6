/** {@link waitForCondition}: the one "wait until the cache shows this" of the config recipes. */
import { Deadline, waitUntil } from '../../client/deadline';
import type { WaitOptions } from '../../client/types';
import { RecipeStateError } from '../shared/errors';
import { ConfigTimeoutError } from './errors';

/** What a wait watches: a recipe's change events, its closing, and the state to test. */
export interface WaitTarget<S> {
  /** Subscribes to the recipe's changes; returns the unsubscribe. */
  onChange(listener: () => void): () => void;
  /** Aborted once the recipe closes. */
  closed: AbortSignal;
  /** The state the predicate is given. */
  state(): S;
  /** The recipe, for messages (`NodeCache /config`). */
  what: string;
  /** The recipe's path. */
  path: string;
}

/**
 * Resolves with the state once `predicate` holds (checked now and after every change); rejects with
 * {@link ConfigTimeoutError} after `timeoutMs`, with `signal.reason` on abort, and with
 * {@link RecipeStateError} when the recipe closes first. Every listener is removed when it ends.
 */
export function waitForCondition<S>(target: WaitTarget<S>, predicate: (state: S) => boolean, options: WaitOptions | undefined): Promise<S> {
  return waitUntil<S>(
    Deadline.from(options),
    (done, fail) => {
      const check = (): void => {
        const state = target.state();
        if (predicate(state)) done(state);
      };
      const onClosed = (): void => fail(new RecipeStateError(`${target.what}: closed while waiting`));
      const unsubscribe = target.onChange(check);
      target.closed.addEventListener('abort', onClosed);
      if (target.closed.aborted) onClosed();
      else check();
      return () => {
        unsubscribe();
        target.closed.removeEventListener('abort', onClosed);
      };
    },
    () => new ConfigTimeoutError(`${target.what}: waitFor()`, target.path, options?.timeoutMs ?? 0),
  );
}
