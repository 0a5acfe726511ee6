/** ZooKeeper path validation and manipulation. Every check runs before anything is sent. */

/** Characters ZooKeeper refuses in a path (as its PathUtils does), besides the structural rules. */
function invalidCharacter(code: number): boolean {
  return (
    code === 0 ||
    (code > 0x0000 && code <= 0x001f) ||
    (code >= 0x007f && code <= 0x009f) ||
    (code >= 0xd800 && code <= 0xf8ff) ||
    (code >= 0xfff0 && code <= 0xffff)
  );
}

/**
 * The whole of a valid path in one pattern: `/`, or `/`-separated segments that are not empty, not `.` or `..`
 * and free of the characters above (matched per UTF-16 code unit, as `invalidCharacter` checks them). Only a
 * fast accept: anything it refuses goes through the step-by-step checks, which name the problem.
 */
// eslint-disable-next-line no-control-regex -- ZooKeeper refuses control characters in paths: this is that rule
const VALID_PATH = /^(?:\/|(?:\/(?!\.\.?(?:\/|$))[^/\u0000-\u001f\u007f-\u009f\ud800-\uf8ff\ufff0-\uffff]+)+)$/;

/**
 * Throws a `TypeError` when `path` is not a valid absolute ZooKeeper path: relative, trailing `/` (also for
 * sequential creates: the wire client cannot send one), empty segments, `.`/`..` segments, or characters
 * ZooKeeper rejects.
 */
export function validatePath(path: unknown, what = 'path'): asserts path is string {
  if (typeof path === 'string' && VALID_PATH.test(path)) return; // every request passes here: one test
  if (typeof path !== 'string') throw new TypeError(`${what} must be a string, got ${typeof path}`);
  if (path.length === 0) throw new TypeError(`${what} must not be empty`);
  if (path[0] !== '/') throw new TypeError(`${what} must be absolute (start with '/'): ${JSON.stringify(path)}`);
  if (path.length === 1) return;
  if (path.endsWith('/')) throw new TypeError(`${what} must not end with '/': ${JSON.stringify(path)}`);
  const checked = path;
  const segments = checked.slice(1).split('/');
  for (const segment of segments) {
    if (segment === '') throw new TypeError(`${what} has an empty segment: ${JSON.stringify(path)}`);
    if (segment === '.' || segment === '..') {
      throw new TypeError(`${what} has a relative segment '${segment}': ${JSON.stringify(path)}`);
    }
  }
  for (let i = 0; i < path.length; i += 1) {
    if (invalidCharacter(path.charCodeAt(i))) {
      throw new TypeError(`${what} has an invalid character at index ${i}: ${JSON.stringify(path)}`);
    }
  }
}

/** Joins a parent path and a child name: `joinPath('/a', 'b')` is `/a/b`, `joinPath('/', 'b')` is `/b`. */
export function joinPath(parent: string, ...children: string[]): string {
  let result = parent;
  for (const child of children) result = result === '/' ? `/${child}` : `${result}/${child}`;
  return result;
}

/** Last segment of a path (`''` for the root). */
export function nodeName(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

/** Parent of a path (`/` for top-level nodes and the root). */
export function parentPath(path: string): string {
  const index = path.lastIndexOf('/');
  return index <= 0 ? '/' : path.slice(0, index);
}

/** Validates and normalises a namespace option into a prefix (`''` for none, else `/ns` without trailing `/`). */
export function namespacePrefix(namespace: string | undefined): string {
  if (namespace === undefined || namespace === '' || namespace === '/') return '';
  const absolute = namespace.startsWith('/') ? namespace : `/${namespace}`;
  validatePath(absolute, 'namespace');
  return absolute;
}

/** Applies the namespace prefix to a client path. */
export function withNamespace(prefix: string, path: string): string {
  if (prefix === '') return path;
  return path === '/' ? prefix : prefix + path;
}

/** Strips the namespace prefix from a server path. */
export function withoutNamespace(prefix: string, path: string): string {
  if (prefix === '' || !path.startsWith(prefix)) return path;
  const rest = path.slice(prefix.length);
  return rest === '' ? '/' : rest;
}
