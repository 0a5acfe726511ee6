/**
 * Runs before every test file. Node 20 gives its own realm `Symbol.asyncDispose` / `Symbol.dispose` (the
 * registered `nodejs.*` symbols), but jest's per-file sandbox lacks them: classes would get a method named
 * "undefined" and `await using` would throw. Point the sandbox at Node's symbols.
 */
const symbols = Symbol as unknown as { asyncDispose?: symbol; dispose?: symbol };
symbols.asyncDispose ??= Symbol.for('nodejs.asyncDispose');
symbols.dispose ??= Symbol.for('nodejs.dispose');
