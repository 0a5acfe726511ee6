/**
 * {@link ServiceCache}: the live list of one service's instances, as Curator's `ServiceCache`: a cache of one
 * level (a re-arming children watch on `<basePath>/<name>` plus each instance's data with a data watch).
 */
import { AsyncQueue, Fanout, type AsyncQueueOptions } from '../../client/async-queue';
import { GroupView } from '../membership/group-view';
import { RecipeStateError } from '../shared/errors';
import { Recipe, toError, type RecipeEvents } from '../shared/recipe';
import { parseServiceInstance, validateNodeName, type ServiceInstance } from './instance';
import { discoveryClient, trackDependent, type ServiceDiscovery } from './service-discovery';

/** Events of a {@link ServiceCache}. */
export interface ServiceCacheEvents extends RecipeEvents {
  /** The list changed (an instance came, went or changed); `instances` is the new list, as `instances()` returns it. */
  change: (instances: ServiceInstance[]) => void;
}

/**
 * The instances of service `name`, kept current by watches: `instances()` answers from memory, `change`
 * and the async iterator report every new list. After a reconnect or a new session the whole list is read
 * again, so it converges to what the server has. Instances whose node data is not a service instance are
 * left out and reported on `error`. Closed by its discovery's `close()` too.
 *
 * @example
 * ```ts
 * const cache = new ServiceCache(discovery, 'billing');
 * await cache.start();                                  // resolves once the first list is read
 * cache.on('change', (instances) => log.info({ n: instances.length }, 'billing instances changed'));
 * for await (const instances of cache) rebalance(instances);
 * ```
 */
export class ServiceCache extends Recipe<ServiceCacheEvents> implements AsyncIterable<ServiceInstance[]> {
  /** The service's name. */
  readonly name: string;
  private readonly view: GroupView;
  private readonly entries = new Map<string, ServiceInstance>();
  private readonly fanout = new Fanout<ServiceInstance[]>();
  private loaded = false;
  private untrack: (() => void) | undefined;

  /** Checks the arguments; does no I/O. */
  constructor(
    private readonly discovery: ServiceDiscovery,
    name: string,
  ) {
    const client = discoveryClient(discovery);
    validateNodeName(name, 'name');
    const path = discovery.pathForName(name);
    super(client, path, 'ServiceCache');
    this.name = name;
    this.view = new GroupView(client, path, {
      join: (id, data) => this.read(id, data),
      change: (id, data) => this.read(id, data),
      leave: (id) => this.entries.delete(id),
      members: () => this.publish(),
      error: (error) => this.safeEmit('error', error),
    });
  }

  /** The instances as last read, ordered by node name (empty before the first read and after close). */
  instances(): ServiceInstance[] {
    return [...this.entries.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, instance]) => instance);
  }

  /** The current list once read, then every new list, until closed (or `signal` aborts). */
  changes(options: Pick<AsyncQueueOptions, 'signal'> = {}): AsyncQueue<ServiceInstance[]> {
    return this.fanout.iterate({ ...options, initial: this.loaded ? [this.instances()] : [] });
  }

  /** Same as {@link ServiceCache.changes} without a signal. */
  [Symbol.asyncIterator](): AsyncQueue<ServiceInstance[]> {
    return this.changes();
  }

  protected async onStart(): Promise<void> {
    // Its discovery would never close it: refuse, as a closed discovery refuses register().
    if (this.discovery.state === 'closed') throw new RecipeStateError(`${this.what}: its ServiceDiscovery is closed`);
    this.untrack = trackDependent(this.discovery, this);
    await this.view.start();
  }

  protected async onClose(): Promise<void> {
    this.untrack?.();
    await this.view.close();
    this.entries.clear();
    this.fanout.end();
    this.removeAllListeners();
  }

  private read(id: string, data: Buffer): void {
    try {
      this.entries.set(id, parseServiceInstance(data, `${this.path}/${id}`));
    } catch (error) {
      this.entries.delete(id);
      this.safeEmit('error', toError(error));
    }
  }

  private publish(): void {
    if (!this.active) return;
    this.loaded = true;
    const instances = this.instances();
    this.fanout.push(instances);
    this.safeEmit('change', instances);
  }
}
