/**
 * {@link brand}: an `instanceof` for error classes that holds when two copies of this package are loaded
 * (the ESM and the CJS build side by side, or two installed versions), where each copy has its own classes.
 *
 * Each branded class marks its prototype with `Symbol.for('zk-recipes.<Name>')`, a key shared by every copy;
 * an instance carries the marks of its whole class chain through its prototype chain, so `instanceof` of a
 * base class accepts every subclass, and a subclass's check still rejects the base (it lacks the mark).
 */

/** The static property holding a class's own brand key. */
const brandKey = Symbol.for('zk-recipes.brand');

type Constructor = abstract new (...args: never[]) => object;

/**
 * Brands `cls` as `name` (its `Symbol.for` key: `zk-recipes.<name>`): call once, right after the class.
 * A subclass that is not branded itself falls back to the ordinary prototype check.
 */
export function brand(cls: Constructor, name: string): void {
  const key = Symbol.for(`zk-recipes.${name}`);
  Object.defineProperty(cls, brandKey, { value: key });
  Object.defineProperty(cls.prototype, key, { value: true });
  Object.defineProperty(cls, Symbol.hasInstance, { value: hasBrand, configurable: true });
}

function hasBrand(this: Constructor, value: unknown): boolean {
  const key = Object.hasOwn(this, brandKey) ? (this as unknown as Record<symbol, symbol>)[brandKey] : undefined;
  if (key === undefined) return Function.prototype[Symbol.hasInstance].call(this, value);
  return typeof value === 'object' && value !== null && key in value;
}
