/**
 * {@link ServiceProvider}: picks one instance of a service for each call, as Curator's `ServiceProvider`:
 * a {@link ServiceCache}, a strategy, filters, and a down-instance policy fed by the caller's `noteError()`.
 */
import { Deadline, waitUntil } from '../../client/deadline';
import type { WaitOptions } from '../../client/types';
import { validateWaitOptions } from '../../client/validate';
import { RecipeStateError } from '../shared/errors';
import { functionOption, oneOfOption, optionsObject } from '../shared/options';
import { Recipe, type RecipeEvents } from '../shared/recipe';
import { DownInstances, resolveDownInstancePolicy, type DownInstancePolicy } from './down-instances';
import { NamingTimeoutError } from './errors';
import { validateNodeName, type ServiceInstance } from './instance';
import { ServiceCache } from './service-cache';
import { discoveryClient, trackDependent, type ServiceDiscovery } from './service-discovery';

/** How a {@link ServiceProvider} picks: in turn, at random, or the same one for as long as it is there. */
export type ProviderStrategy = 'round-robin' | 'random' | 'sticky';

const STRATEGIES: readonly ProviderStrategy[] = ['round-robin', 'random', 'sticky'];

/** Options of a {@link ServiceProvider}. */
export interface ServiceProviderOptions {
  /**
   * How an instance is picked. `sticky` keeps handing out the same instance until it is gone (or filtered
   * out, e.g. marked down), then picks the next in turn.
   * @default 'round-robin'
   */
  strategy?: ProviderStrategy;
  /** Only instances for which this returns true are handed out (besides enabled and not down). @default none */
  filter?: (instance: ServiceInstance) => boolean;
  /** When an instance counts as down after {@link ServiceProvider.noteError}. @default { errorThreshold: 2, windowMs: 30000, coolDownMs: 30000 } */
  downInstancePolicy?: Partial<DownInstancePolicy>;
}

/** The options with their defaults applied. */
export interface ResolvedServiceProviderOptions {
  /** See {@link ServiceProviderOptions.strategy}. */
  strategy: ProviderStrategy;
  /** See {@link ServiceProviderOptions.filter}. */
  filter: ((instance: ServiceInstance) => boolean) | undefined;
  /** See {@link ServiceProviderOptions.downInstancePolicy}. */
  downInstancePolicy: DownInstancePolicy;
}

/** Applies the defaults; throws `TypeError`/`RangeError` naming the option. */
export function resolveServiceProviderOptions(options: ServiceProviderOptions | undefined): ResolvedServiceProviderOptions {
  const { strategy, filter, downInstancePolicy } = optionsObject(options, 'ServiceProvider');
  return {
    strategy: oneOfOption(strategy, 'strategy', 'ServiceProvider', STRATEGIES, 'round-robin'),
    filter: filter === undefined ? undefined : functionOption<(instance: ServiceInstance) => boolean>(filter, 'filter', 'ServiceProvider'),
    downInstancePolicy: resolveDownInstancePolicy(downInstancePolicy, 'ServiceProvider'),
  };
}

/** Events of a {@link ServiceProvider}. */
export type ServiceProviderEvents = RecipeEvents;

/**
 * Hands out instances of one service for single use: `getInstance()` picks one of the instances that are
 * enabled, pass the `filter` and are not down, by the strategy. A caller that fails to reach an instance
 * reports it with `noteError()`; after `errorThreshold` errors within `windowMs` the instance is left out for
 * `coolDownMs`. The list is a {@link ServiceCache}: an instance whose session ended is gone from it one watch
 * notification later.
 *
 * @example
 * ```ts
 * const provider = new ServiceProvider(discovery, 'billing', { strategy: 'round-robin' });
 * await provider.start();
 * const instance = provider.getInstance() ?? (await provider.waitForInstance({ timeoutMs: 5_000 }));
 * try {
 *   await call(buildUri(instance));
 * } catch (error) {
 *   provider.noteError(instance);
 * }
 * ```
 */
export class ServiceProvider extends Recipe {
  /** The service's name. */
  readonly name: string;
  private readonly options: ResolvedServiceProviderOptions;
  private readonly cache: ServiceCache;
  private readonly down: DownInstances;
  private next = 0;
  private stuck: ServiceInstance | undefined;
  private untrack: (() => void) | undefined;

  /** Checks the arguments; does no I/O. */
  constructor(
    private readonly discovery: ServiceDiscovery,
    name: string,
    options?: ServiceProviderOptions,
  ) {
    const client = discoveryClient(discovery);
    validateNodeName(name, 'name');
    const resolved = resolveServiceProviderOptions(options);
    super(client, discovery.pathForName(name), 'ServiceProvider');
    this.name = name;
    this.options = resolved;
    this.cache = new ServiceCache(discovery, name);
    this.cache.on('error', (error) => this.safeEmit('error', error));
    this.down = new DownInstances(resolved.downInstancePolicy);
  }

  /** Every instance that may be handed out now (enabled, passing the filter, not down), ordered by node name. */
  getAllInstances(): ServiceInstance[] {
    this.assertStarted('getAllInstances()');
    const { filter } = this.options;
    return this.cache.instances().filter((instance) => instance.enabled && !this.down.isDown(instance) && (filter?.(instance) ?? true));
  }

  /** One instance by the strategy, or undefined when none may be handed out. Throws `RecipeStateError` unless started. */
  getInstance(): ServiceInstance | undefined {
    const instances = this.getAllInstances();
    if (instances.length === 0) return undefined;
    switch (this.options.strategy) {
      case 'random':
        return instances[Math.floor(Math.random() * instances.length)];
      case 'sticky': {
        const stuck = this.stuck;
        const still = stuck && instances.find((instance) => instance.name === stuck.name && instance.id === stuck.id);
        this.stuck = still ?? this.inTurn(instances);
        return this.stuck;
      }
      case 'round-robin':
        return this.inTurn(instances);
    }
  }

  /**
   * Resolves with an instance as soon as one may be handed out (at once when there is one). Rejects with
   * {@link NamingTimeoutError} after `timeoutMs`, with `signal.reason` on abort, and with `RecipeStateError`
   * when the provider closes first. An instance that is down only comes back when asked again after its cool-down.
   */
  waitForInstance(options: WaitOptions = {}): Promise<ServiceInstance> {
    try {
      validateWaitOptions(options);
      const now = this.getInstance();
      if (now !== undefined) return Promise.resolve(now);
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
    return waitUntil<ServiceInstance>(
      Deadline.from(options),
      (done, fail) => {
        const queue = this.cache.changes();
        void (async () => {
          try {
            for await (const _ of queue) {
              if (!this.active) break; // closing: the cache's last changes are no instances to hand out
              const instance = this.getInstance();
              if (instance !== undefined) {
                done(instance);
                return;
              }
            }
            fail(new RecipeStateError(`${this.what}: closed while waiting for an instance`));
          } catch (error) {
            fail(error);
          }
        })();
        return () => void queue.return();
      },
      () => new NamingTimeoutError(`${this.what}: no instance within ${options.timeoutMs} ms`, { path: this.path, timeoutMs: options.timeoutMs ?? 0 }),
    );
  }

  /**
   * Reports that `instance` failed a call. After `errorThreshold` reports within `windowMs` it is not handed
   * out for `coolDownMs` (Curator's `DownInstancePolicy`). The record is kept per registration: an instance
   * registered again under the same id (with a new `registrationTimeUTC`) starts clean.
   */
  noteError(instance: Pick<ServiceInstance, 'name' | 'id' | 'registrationTimeUTC'>): void {
    this.down.noteError(instance);
  }

  protected async onStart(): Promise<void> {
    await this.cache.start(); // rejects when the discovery is closed
    this.untrack = trackDependent(this.discovery, this);
  }

  protected async onClose(): Promise<void> {
    this.untrack?.();
    await this.cache.close();
    this.removeAllListeners();
  }

  private inTurn(instances: readonly ServiceInstance[]): ServiceInstance | undefined {
    const index = this.next % instances.length;
    this.next = (this.next + 1) % Number.MAX_SAFE_INTEGER;
    return instances[index];
  }

  private assertStarted(operation: string): void {
    if (!this.active) throw new RecipeStateError(`${this.what}: ${operation} needs a started provider (it is ${this.state})`);
  }
}
