/** Shared set-up of the client tests: clients that are closed after each test, and error assertions. */
import { isZkError, type TransportName, type ZkError, type ZkErrorCode } from '../../src/client';
import { Clients } from '../helpers/clients';

/**
 * The client tests' clients: each on a namespace of its own unless given one (a test that wants two clients
 * on one namespace passes it), connection timeout 10 s, on `transport` (default: the client's default);
 * `closeAll()` in `afterEach`.
 */
export function ownNamespaceClients(connectString: () => string, transport?: TransportName): Clients {
  return new Clients(connectString, { namespaces: 'per-client', prefix: 'client', clientDefaults: { connectionTimeoutMs: 10_000, transport } });
}

/** Resolves with the ZkError `promise` rejects with, after checking its code. */
export async function rejectsWithCode(promise: Promise<unknown>, code: ZkErrorCode): Promise<ZkError> {
  const error = await promise.then(
    (value) => {
      throw new Error(`expected a ZkError ${code}, but it resolved with ${String(value)}`);
    },
    (reason: unknown) => reason,
  );
  if (!isZkError(error)) throw new Error(`expected a ZkError ${code}, got ${String(error)}`, { cause: error });
  expect(error.code).toBe(code);
  return error;
}

/** Both transports: the client's contract suites run on each (`describe.each(TRANSPORTS)`). */
export const TRANSPORTS: readonly TransportName[] = ['zk-recipes', 'node-zookeeper-client'];
