/**
 * Jest 29 runs each test file in a `vm` context whose `Symbol` lacks Node 20's `Symbol.dispose` and
 * `Symbol.asyncDispose`: `[Symbol.asyncDispose]()` methods land on a key named "undefined" and `await using`
 * throws. Importing this module first (or listing it in jest's `setupFiles`) defines them in that context.
 */
const symbols = Symbol as unknown as { dispose?: symbol; asyncDispose?: symbol };
symbols.dispose ??= Symbol.for('nodejs.dispose');
symbols.asyncDispose ??= Symbol.for('nodejs.asyncDispose');

export {};
