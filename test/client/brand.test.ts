/**
 * Error classes keep `instanceof` across two copies of the package (the ESM and CJS builds loaded side by
 * side): each copy is loaded here in a module registry of its own.
 */
import type * as ClientErrors from '../../src/client/errors';
import type * as RecipeErrors from '../../src/recipes/shared/errors';
import type * as LockErrors from '../../src/recipes/lock/errors';

type Copy = { client: typeof ClientErrors; recipes: typeof RecipeErrors; lock: typeof LockErrors };

function loadCopy(): Copy {
  let copy: Copy | undefined;
  jest.isolateModules(() => {
    copy = {
      client: jest.requireActual('../../src/client/errors'),
      recipes: jest.requireActual('../../src/recipes/shared/errors'),
      lock: jest.requireActual('../../src/recipes/lock/errors'),
    };
  });
  return copy!;
}

const a = loadCopy();
const b = loadCopy();

test('the two copies are distinct classes', () => {
  expect(a.client.ZkError).not.toBe(b.client.ZkError);
});

test('instanceof holds across copies, for the class and its bases', () => {
  const zk = a.client.ZkError.of('NO_NODE', 'getData', '/x');
  expect(zk).toBeInstanceOf(b.client.ZkError);
  expect(zk).toBeInstanceOf(Error);
  const timeout = new a.lock.LockTimeoutError('Mutex /x not acquired within 5 ms', { path: '/x', timeoutMs: 5 });
  expect(timeout).toBeInstanceOf(b.lock.LockTimeoutError);
  expect(timeout).toBeInstanceOf(b.recipes.RecipeTimeoutError);
  expect(new a.recipes.HoldLostError('Mutex /x', 'lost')).toBeInstanceOf(b.recipes.HoldLostError);
  expect(new a.recipes.RecipeStateError('x')).toBeInstanceOf(b.recipes.RecipeStateError);
});

test('subclass checks still distinguish', () => {
  const base = new a.recipes.RecipeTimeoutError('waited', { path: '/x', timeoutMs: 1 });
  expect(base).not.toBeInstanceOf(b.lock.LockTimeoutError);
  expect(base).not.toBeInstanceOf(a.lock.LockTimeoutError);
  expect(new a.recipes.RecipeStateError('x')).not.toBeInstanceOf(b.recipes.RecipeTimeoutError);
  expect(a.client.ZkError.of('NO_NODE', 'getData')).not.toBeInstanceOf(b.recipes.HoldLostError);
  expect({}).not.toBeInstanceOf(b.client.ZkError);
  expect(null).not.toBeInstanceOf(b.client.ZkError);
});

test('a subclass that is not branded falls back to the prototype check', () => {
  class Mine extends a.recipes.RecipeStateError {}
  expect(new Mine('x')).toBeInstanceOf(Mine);
  expect(new Mine('x')).toBeInstanceOf(b.recipes.RecipeStateError);
  expect(new a.recipes.RecipeStateError('x')).not.toBeInstanceOf(Mine);
});
