/**
 * `Symbol.asyncDispose`, also in a realm that lacks it: jest runs tests in a `vm` context whose `Symbol` has
 * no `asyncDispose` on Node 20, while Node itself registers the symbol as `Symbol.for('nodejs.asyncDispose')`.
 * Keying our disposers on this constant keeps `await using` working in both.
 */
export const asyncDispose: typeof Symbol.asyncDispose =
  Symbol.asyncDispose ?? (Symbol.for('nodejs.asyncDispose') as typeof Symbol.asyncDispose);
