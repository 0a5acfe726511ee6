/**
 * Differential test of the two transports: one seeded random sequence of operations (creates in the four
 * modes both can do, sets and deletes with versions right and wrong, multi-ops with failing checks,
 * listings, reads) runs through a client on each, in a namespace of its own on one server, and every result
 * and error must be the same. Zxids and times differ by nature and are left out; so are the modes only our
 * transport has (containers, TTL), covered in new-operations.test.ts.
 */
import { isZkError, type CreateMode, type Stat, type ZkClient } from '../../src/client';
import { sharedServer } from '../helpers/shared-server';
import { ownNamespaceClients, TRANSPORTS } from './support';

const server = sharedServer();
const clients = ownNamespaceClients(() => server.connectString);
afterEach(() => clients.closeAll());

/** xorshift32: the same sequence for the same seed, on every machine. */
function prng(seed: number): (n: number) => number {
  let state = seed >>> 0 || 1;
  return (n) => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) % n;
  };
}

type Op =
  | { kind: 'create'; path: string; data: string; mode: CreateMode }
  | { kind: 'setData'; path: string; data: string; version: number }
  | { kind: 'delete'; path: string; version: number }
  | { kind: 'deleteFirstChild'; path: string }
  | { kind: 'getData' | 'exists' | 'getChildren'; path: string }
  | { kind: 'multi'; ops: Array<{ type: 'create' | 'setData' | 'delete' | 'check'; path: string; version: number }> };

const PATHS = ['/a', '/b', '/a/x', '/a/y', '/b/x', '/a/x/deep', '/e', '/e/child'];
const MODES: CreateMode[] = ['persistent', 'persistent-sequential', 'ephemeral', 'ephemeral-sequential'];

function generate(seed: number, count: number): Op[] {
  const random = prng(seed);
  const path = (): string => PATHS[random(PATHS.length)]!;
  const version = (): number => random(4) - 1; // -1 (any), 0, 1, 2
  const ops: Op[] = [];
  for (let i = 0; i < count; i += 1) {
    switch (random(9)) {
      case 0:
      case 1:
        ops.push({ kind: 'create', path: path(), data: `d${i}`, mode: MODES[random(MODES.length)]! });
        break;
      case 2:
        ops.push({ kind: 'setData', path: path(), data: `s${i}`, version: version() });
        break;
      case 3:
        ops.push({ kind: 'delete', path: path(), version: version() });
        break;
      case 4:
        ops.push({ kind: 'deleteFirstChild', path: path() });
        break;
      case 5:
        ops.push({ kind: 'getData', path: path() });
        break;
      case 6:
        ops.push({ kind: 'exists', path: path() });
        break;
      case 7:
        ops.push({ kind: 'getChildren', path: path() });
        break;
      default: {
        const types = ['create', 'setData', 'delete', 'check'] as const;
        ops.push({
          kind: 'multi',
          ops: Array.from({ length: 1 + random(3) }, () => ({ type: types[random(types.length)]!, path: path(), version: version() })),
        });
      }
    }
  }
  return ops;
}

/** A Stat without what differs between two runs by nature (zxids, times, the owning session's id). */
function comparable(stat: Stat | null | undefined): object | null {
  if (!stat) return null;
  const { version, cversion, aversion, dataLength, numChildren, ephemeralOwner } = stat;
  return { version, cversion, aversion, dataLength, numChildren, ephemeral: ephemeralOwner !== 0n };
}

/** Runs `op` and describes its outcome: the result (made comparable), or the error's code and failed op. */
async function outcome(client: ZkClient, op: Op): Promise<unknown> {
  try {
    switch (op.kind) {
      case 'create':
        return await client.create(op.path, op.data, { mode: op.mode });
      case 'setData':
        return comparable(await client.setData(op.path, op.data, { version: op.version }));
      case 'delete':
        await client.delete(op.path, { version: op.version });
        return undefined;
      case 'deleteFirstChild': {
        const [first] = (await client.getChildren(op.path)).children.sort();
        if (first === undefined) return 'no children';
        await client.delete(`${op.path}/${first}`);
        return first;
      }
      case 'getData': {
        const { data, stat } = await client.getData(op.path);
        return { data: data.toString(), stat: comparable(stat) };
      }
      case 'exists':
        return comparable(await client.exists(op.path));
      case 'getChildren': {
        const { children, stat } = await client.getChildren(op.path);
        return { children: children.sort(), stat: comparable(stat) };
      }
      case 'multi': {
        const transaction = client.transaction();
        for (const sub of op.ops) {
          if (sub.type === 'create') transaction.create(sub.path, 'm');
          else if (sub.type === 'setData') transaction.setData(sub.path, 'm', sub.version);
          else if (sub.type === 'delete') transaction.delete(sub.path, sub.version);
          else transaction.check(sub.path, sub.version);
        }
        const results = await transaction.commit();
        return results.map((result) => (result.type === 'setData' ? { type: 'setData', stat: comparable(result.stat) } : result));
      }
    }
  } catch (error) {
    if (!isZkError(error)) throw error;
    return { error: error.code, failedOp: error.failedOp, path: error.path };
  }
}

test.each([1, 42, 20240601])('seed %i: both transports give the same results and errors, op by op', async (seed) => {
  const [ours, theirs] = await Promise.all(TRANSPORTS.map((transport) => clients.start({ transport })));
  const ops = generate(seed, 300);
  const differences: string[] = [];
  const errors = new Set<string>();
  for (const [index, op] of ops.entries()) {
    const [a, b] = [await outcome(ours!, op), await outcome(theirs!, op)];
    const [left, right] = [JSON.stringify(a), JSON.stringify(b)];
    if (left !== right) differences.push(`#${index} ${JSON.stringify(op)}: ${left} vs ${right}`);
    if (typeof a === 'object' && a !== null && 'error' in a) errors.add(String(a.error));
  }
  expect(differences).toEqual([]);
  // The sequence is rich enough to mean something: it met the usual errors.
  expect([...errors].sort()).toEqual(expect.arrayContaining(['BAD_VERSION', 'NODE_EXISTS', 'NO_CHILDREN_FOR_EPHEMERALS', 'NO_NODE', 'NOT_EMPTY']));
});
