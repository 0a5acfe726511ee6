/** Errors shared by the recipes. */

/** A recipe method was called in a lifecycle state that does not allow it (e.g. `start()` twice). */
export class RecipeStateError extends Error {
  override readonly name = 'RecipeStateError' as const;
}

/** A wait ran out of time (`timeoutMs`). Recipes throw a subclass naming what they waited for. */
export class RecipeTimeoutError extends Error {
  override readonly name: string = 'RecipeTimeoutError';
  /** How long was waited, in milliseconds. */
  readonly timeoutMs: number;

  constructor(message: string, timeoutMs: number) {
    super(message);
    this.timeoutMs = timeoutMs;
  }
}
