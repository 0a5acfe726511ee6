/** Shared set-up of the client tests: clients that are closed after each test, and error assertions. */
import { ZkClient, isZkError, type ZkClientOptions, type ZkError, type ZkErrorCode } from '../../src/client';
import { uniqueNamespace } from '../helpers';

/** Makes clients for one test file and closes them all in `afterEach`. */
export class Clients {
  private readonly open = new Set<ZkClient>();

  constructor(private readonly connectString: () => string) {}

  /** A client (not started) on its own namespace unless `namespace` is given. */
  make(options: Partial<ZkClientOptions> = {}): ZkClient {
    const client = new ZkClient({
      connectString: this.connectString(),
      sessionTimeoutMs: 3000,
      connectionTimeoutMs: 10_000,
      namespace: uniqueNamespace('client'),
      ...options,
    });
    this.open.add(client);
    return client;
  }

  /** A started client. */
  async start(options: Partial<ZkClientOptions> = {}): Promise<ZkClient> {
    const client = this.make(options);
    await client.start();
    return client;
  }

  /** Closes every client made so far. */
  async closeAll(): Promise<void> {
    const clients = [...this.open];
    this.open.clear();
    await Promise.all(clients.map((client) => client.close()));
  }
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
