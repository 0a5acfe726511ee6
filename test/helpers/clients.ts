/** {@link Clients}: the ZooKeeper clients of a test file, each on a namespace of its test, closed after each test. */
import { ZkClient, type ZkClientOptions } from '../../src/client';
import { uniqueNamespace } from './index';

/** How a {@link Clients} makes its clients. */
export interface ClientsOptions {
  /**
   * `per-test`: the clients of one test share a namespace, a fresh one after each {@link Clients.renew}
   * (call it in `beforeEach`). `per-client`: every client gets a fresh namespace of its own.
   * @default 'per-test'
   */
  namespaces?: 'per-test' | 'per-client';
  /** Prefix of the namespaces made (`/<prefix>-<8 hex digits>`). @default 'test' */
  prefix?: string;
  /** Options of every client, under the ones passed to each call. @default sessionTimeoutMs 3000, connectionTimeoutMs 15000 */
  clientDefaults?: Partial<ZkClientOptions>;
}

/** Makes the clients of a test file and closes them all in {@link Clients.closeAll} (call it in `afterEach`). */
export class Clients {
  private readonly open = new Set<ZkClient>();
  private readonly perClient: boolean;
  private readonly prefix: string;
  private readonly defaults: Partial<ZkClientOptions>;
  private current: string;

  constructor(
    private readonly connectString: () => string,
    options: ClientsOptions = {},
  ) {
    this.perClient = options.namespaces === 'per-client';
    this.prefix = options.prefix ?? 'test';
    this.defaults = { sessionTimeoutMs: 3000, connectionTimeoutMs: 15_000, ...options.clientDefaults };
    this.current = uniqueNamespace(this.prefix);
  }

  /** The namespace of the current test's clients (`per-test` only). */
  get namespace(): string {
    if (this.perClient) throw new Error('Clients: every client has a namespace of its own (namespaces: per-client)');
    return this.current;
  }

  /** Gives the next clients a fresh namespace (`per-test`: call in `beforeEach`). */
  renew(): void {
    this.current = uniqueNamespace(this.prefix);
  }

  /** A client, not started: on the namespace of the current test (or its own), unless `options.namespace` is given. */
  make(options: Partial<ZkClientOptions> = {}): ZkClient {
    const client = new ZkClient({
      connectString: this.connectString(),
      ...this.defaults,
      namespace: this.perClient ? uniqueNamespace(this.prefix) : this.current,
      ...options,
    });
    this.open.add(client);
    return client;
  }

  /** A started client (see {@link Clients.make}). */
  async start(options: Partial<ZkClientOptions> = {}): Promise<ZkClient> {
    const client = this.make(options);
    await client.start();
    return client;
  }

  /** `n` started clients. */
  startMany(n: number, options: Partial<ZkClientOptions> = {}): Promise<ZkClient[]> {
    return Promise.all(Array.from({ length: n }, () => this.start(options)));
  }

  /** Closes every client made so far. */
  async closeAll(): Promise<void> {
    const clients = [...this.open];
    this.open.clear();
    await Promise.all(clients.map((client) => client.close()));
  }
}
