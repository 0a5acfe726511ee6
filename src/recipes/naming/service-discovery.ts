/**
 * {@link ServiceDiscovery}: registers this process's service instances and looks up everybody's, in Apache
 * Curator's layout (`<basePath>/<name>/<id>`, Curator's JSON), so Java services using curator-x-discovery
 * and Node services using zk-recipes find each other.
 */
import { channels, type ServiceMessage } from '../../client/channels';
import { isZkError } from '../../client/errors';
import { joinPath, validatePath } from '../../client/paths';
import type { CreateMode, WaitOptions, ZooKeeperClient } from '../../client/types';
import { validateWaitOptions } from '../../client/validate';
import { PersistentNodeTimeoutError } from '../membership/errors';
import { PersistentNode } from '../membership/persistent-node';
import { optionsObject } from '../shared/options';
import { Recipe, toError, type RecipeEvents } from '../shared/recipe';
import { InvalidServiceInstanceError, ServiceNotRegisteredError } from './errors';
import { parseServiceInstance, serializeServiceInstance, validateNodeName, type ServiceInstance } from './instance';

/** Options of a {@link ServiceDiscovery}. */
export interface ServiceDiscoveryOptions {
  /** The path under which services live (Curator's `basePath`): `<basePath>/<name>/<id>`. No default. */
  basePath: string;
}

/** The options with their defaults applied. */
export interface ResolvedServiceDiscoveryOptions {
  /** See {@link ServiceDiscoveryOptions.basePath}. */
  basePath: string;
}

/** Checks `options`; throws `TypeError` naming the option. */
export function resolveServiceDiscoveryOptions(options: ServiceDiscoveryOptions): ResolvedServiceDiscoveryOptions {
  const { basePath } = optionsObject(options, 'ServiceDiscovery', true);
  validatePath(basePath, 'ServiceDiscovery basePath');
  return { basePath };
}

/** Events of a {@link ServiceDiscovery}. */
export interface ServiceDiscoveryEvents extends RecipeEvents {
  /** An instance's node was created: on `register()`, and again after it was deleted or its session ended. */
  registered: (instance: ServiceInstance) => void;
  /**
   * An instance's node is held by another session (another process registered the same name and id): ours
   * is created once it goes.
   */
  conflict: (instance: ServiceInstance, ownerSessionId: string) => void;
}

/** Something opened from a discovery that its `close()` closes too (caches, providers). */
interface Dependent {
  close(): Promise<void>;
}

/** What this discovery keeps of one registered instance. */
interface Registration {
  instance: ServiceInstance;
  /** Keeps a DYNAMIC, DYNAMIC_SEQUENTIAL or STATIC node present; absent for PERMANENT (written once). */
  node: PersistentNode | undefined;
}

const clients = new WeakMap<ServiceDiscovery, ZooKeeperClient>();
const dependents = new WeakMap<ServiceDiscovery, Set<Dependent>>();

/** The client of `discovery`, for the caches and providers built on it (not part of the public API). */
export function discoveryClient(discovery: ServiceDiscovery): ZooKeeperClient {
  const client = clients.get(discovery);
  if (client === undefined) throw new TypeError('discovery must be a ServiceDiscovery');
  return client;
}

/** Has `discovery.close()` close `dependent` too; returns the function that forgets it again. */
export function trackDependent(discovery: ServiceDiscovery, dependent: Dependent): () => void {
  const set = dependents.get(discovery) ?? new Set<Dependent>();
  dependents.set(discovery, set);
  set.add(dependent);
  return () => set.delete(dependent);
}

const MODES: Record<Exclude<ServiceInstance['serviceType'], 'PERMANENT'>, CreateMode> = {
  DYNAMIC: 'ephemeral',
  DYNAMIC_SEQUENTIAL: 'ephemeral-sequential',
  STATIC: 'persistent',
};

/**
 * Registers service instances and queries the registry. A registered `DYNAMIC` instance is an ephemeral node
 * kept present by a {@link PersistentNode}: re-created after its session ends (and when deleted), untouched
 * while the session survives a disconnect. `close()` unregisters what this discovery registered, except
 * `PERMANENT` instances, which stay until someone calls `unregister()`.
 *
 * @example
 * ```ts
 * const discovery = new ServiceDiscovery(client, { basePath: '/services' });
 * await discovery.start();
 * await discovery.register(serviceInstance({ name: 'billing', address: '10.0.0.7', port: 8080 }));
 * const billing = await discovery.queryForInstances('billing');
 * await discovery.close();                  // unregisters
 * ```
 */
export class ServiceDiscovery extends Recipe<ServiceDiscoveryEvents> {
  /** The path under which services live. */
  readonly basePath: string;
  private readonly registrations = new Map<string, Registration>();
  /** The last operation on each `name/id`, so that register/update/unregister of one instance run in order. */
  private readonly queues = new Map<string, Promise<unknown>>();

  /** Checks the arguments; does no I/O. */
  constructor(client: ZooKeeperClient, options: ServiceDiscoveryOptions) {
    const resolved = resolveServiceDiscoveryOptions(options);
    super(client, resolved.basePath, 'ServiceDiscovery');
    this.basePath = resolved.basePath;
    clients.set(this, this.client);
    dependents.set(this, new Set());
  }

  /** The instances this discovery has registered (as last registered or updated). */
  registered(): ServiceInstance[] {
    return [...this.registrations.values()].map((registration) => registration.instance);
  }

  /**
   * Registers `instance`: resolves once its node exists. Registering an id that is already registered
   * updates it. Rejects with {@link InvalidServiceInstanceError} before writing anything when the instance is
   * not valid, and with `RecipeStateError` unless started.
   */
  register(instance: ServiceInstance, options: WaitOptions = {}): Promise<void> {
    return this.perInstance(instance, options, 'register()', async (key, data) => {
      const existing = this.registrations.get(key);
      if (existing !== undefined) {
        await this.rewrite(existing, instance, data, options);
        return;
      }
      const path = this.pathForInstance(instance.name, instance.id);
      if (instance.serviceType === 'PERMANENT') {
        await this.writePermanent(path, data, options);
        this.registrations.set(key, { instance, node: undefined });
        this.emitRegistered(instance);
        return;
      }
      const node = new PersistentNode(this.client, path, { data, mode: MODES[instance.serviceType] });
      const registration: Registration = { instance, node };
      node.on('created', () => this.emitRegistered(registration.instance));
      node.on('conflict', (owner) => this.safeEmit('conflict', registration.instance, owner));
      node.on('error', (error) => this.safeEmit('error', error));
      this.registrations.set(key, registration);
      // start() settles once the node exists, or rejects when the server refuses it (e.g. NO_AUTH): then the
      // registration is dropped. The caller's timeout bounds only this call; the node keeps trying after it.
      const started = node.start().catch((error: unknown) => {
        if (this.registrations.get(key) === registration) this.registrations.delete(key);
        throw error;
      });
      started.catch(() => undefined);
      try {
        await node.waitForInitialCreate(options);
      } catch (error) {
        if (error instanceof PersistentNodeTimeoutError || options.signal?.aborted) throw error;
        // Anything else failed the start too (or closed the node): wait for it to drop the registration.
        await started;
        throw error;
      }
    });
  }

  /**
   * Writes the new data of a registered instance (same name and id). Rejects with
   * {@link ServiceNotRegisteredError} when this discovery has not registered it, and with
   * {@link InvalidServiceInstanceError} when it is not valid or changes the service type.
   */
  update(instance: ServiceInstance, options: WaitOptions = {}): Promise<void> {
    return this.perInstance(instance, options, 'update()', async (key, data) => {
      const existing = this.registrations.get(key);
      if (existing === undefined) throw new ServiceNotRegisteredError(instance.name, instance.id);
      await this.rewrite(existing, instance, data, options);
    });
  }

  /**
   * Removes `instance`'s node (matched by name and id) and stops keeping it. An instance this discovery did
   * not register is removed only when it is persistent (a `PERMANENT` one left by an earlier process);
   * another session's ephemeral node is left alone. Resolves when nothing was there.
   */
  unregister(instance: Pick<ServiceInstance, 'name' | 'id'>, options: WaitOptions = {}): Promise<void> {
    return this.queued(instance, options, 'unregister()', async (key) => {
      const registration = this.registrations.get(key);
      this.registrations.delete(key);
      if (registration?.node !== undefined) {
        await registration.node.close();
        return;
      }
      const path = this.pathForInstance(instance.name, instance.id);
      const stat = await this.client.exists(path, options);
      if (stat === null || stat.ephemeralOwner !== 0n) return;
      await this.client.delete(path, { ...options, version: stat.version }).catch((error: unknown) => {
        if (!isZkError(error, 'NO_NODE', 'BAD_VERSION')) throw error;
      });
    });
  }

  /** The names of all services (children of the base path), sorted; empty when the base path does not exist. */
  async queryForNames(options: WaitOptions = {}): Promise<string[]> {
    validateWaitOptions(options);
    return this.children(this.basePath, options);
  }

  /**
   * All instances of service `name`, ordered by node name. Nodes whose data is not a service instance are
   * skipped and reported on `error`.
   */
  async queryForInstances(name: string, options: WaitOptions = {}): Promise<ServiceInstance[]> {
    validateNodeName(name, 'name');
    validateWaitOptions(options);
    const ids = await this.children(this.pathForName(name), options);
    const found = await Promise.all(ids.map((id) => this.read(joinPath(this.pathForName(name), id), options)));
    return found.filter((instance): instance is ServiceInstance => instance !== undefined);
  }

  /** The instance `id` of service `name`, or undefined when there is none. */
  async queryForInstance(name: string, id: string, options: WaitOptions = {}): Promise<ServiceInstance | undefined> {
    validateNodeName(name, 'name');
    validateNodeName(id, 'id');
    validateWaitOptions(options);
    return this.read(this.pathForInstance(name, id), options);
  }

  /** `<basePath>/<name>`. */
  pathForName(name: string): string {
    return joinPath(this.basePath, name);
  }

  /** `<basePath>/<name>/<id>`. */
  pathForInstance(name: string, id: string): string {
    return joinPath(this.basePath, name, id);
  }

  protected async onStart(): Promise<void> {
    // Nothing to read or write until something is registered or queried.
  }

  protected async onClose(): Promise<void> {
    const opened = dependents.get(this) ?? new Set<Dependent>();
    await Promise.all([...opened].map((dependent) => dependent.close()));
    opened.clear();
    // Close the nodes first: a register() still waiting for its node's first create (e.g. while disconnected)
    // then ends, instead of holding up this close. Operations queued behind it find the discovery closed.
    const nodes = [...this.registrations.values()].flatMap((registration) => (registration.node ? [registration.node] : []));
    this.registrations.clear();
    await Promise.all([...nodes.map((node) => node.close()), Promise.allSettled([...this.queues.values()])]);
    this.removeAllListeners();
  }

  /** Checks `instance`, serialises it (nothing is written when either fails), then runs `work` in its queue. */
  private perInstance(
    instance: ServiceInstance,
    options: WaitOptions,
    operation: string,
    work: (key: string, data: Buffer) => Promise<void>,
  ): Promise<void> {
    let data: Buffer;
    try {
      data = serializeServiceInstance(instance); // checks every field first
    } catch (error) {
      return Promise.reject(toError(error));
    }
    return this.queued(instance, options, operation, (key) => work(key, data));
  }

  /** Runs `work` after the earlier operations on the same instance, once started. */
  private queued(
    instance: Pick<ServiceInstance, 'name' | 'id'>,
    options: WaitOptions,
    operation: string,
    work: (key: string) => Promise<void>,
  ): Promise<void> {
    try {
      if (typeof instance !== 'object' || instance === null) throw new InvalidServiceInstanceError('instance', 'must be an object');
      validateNodeName(instance.name, 'name');
      validateNodeName(instance.id, 'id');
      validateWaitOptions(options);
    } catch (error) {
      return Promise.reject(toError(error));
    }
    const key = `${instance.name}/${instance.id}`;
    const previous = this.queues.get(key) ?? Promise.resolve();
    const run = previous.catch(() => undefined).then(async () => {
      await this.whenStarted(`${operation} of ${key}`);
      await work(key);
    });
    const tail = run.catch(() => undefined);
    this.queues.set(key, tail);
    void tail.then(() => {
      if (this.queues.get(key) === tail) this.queues.delete(key);
    });
    return run;
  }

  private async rewrite(registration: Registration, instance: ServiceInstance, data: Buffer, options: WaitOptions): Promise<void> {
    if (registration.instance.serviceType !== instance.serviceType) {
      throw new InvalidServiceInstanceError(
        'serviceType',
        `${instance.name}/${instance.id} is registered as ${registration.instance.serviceType}; unregister it first to make it ${instance.serviceType}`,
      );
    }
    registration.instance = instance;
    if (registration.node !== undefined) await registration.node.setData(data, options);
    else await this.writePermanent(this.pathForInstance(instance.name, instance.id), data, options);
  }

  /** A PERMANENT instance: a persistent node written once, created or overwritten. */
  /** Emits `registered`, and publishes it on `zk-recipes:service` (only when subscribed; never the address or payload). */
  private emitRegistered(instance: ServiceInstance): void {
    if (channels.service.hasSubscribers) {
      const { name: serviceName, id: instanceId } = instance;
      const message: ServiceMessage = { event: 'registered', kind: this.recipeName, path: this.path, sessionId: this.client.sessionId, serviceName, instanceId };
      channels.service.publish(message);
    }
    this.safeEmit('registered', instance);
  }

  private async writePermanent(path: string, data: Buffer, options: WaitOptions): Promise<void> {
    try {
      await this.client.create(path, data, { ...options, mode: 'persistent', createParents: true });
    } catch (error) {
      if (!isZkError(error, 'NODE_EXISTS')) throw error;
      await this.client.setData(path, data, options);
    }
  }

  private async children(path: string, options: WaitOptions): Promise<string[]> {
    try {
      return [...(await this.client.getChildren(path, options)).children].sort();
    } catch (error) {
      if (isZkError(error, 'NO_NODE')) return [];
      throw error;
    }
  }

  private async read(path: string, options: WaitOptions): Promise<ServiceInstance | undefined> {
    let data: Buffer;
    try {
      data = (await this.client.getData(path, options)).data;
    } catch (error) {
      if (isZkError(error, 'NO_NODE')) return undefined;
      throw error;
    }
    try {
      return parseServiceInstance(data, path);
    } catch (error) {
      this.safeEmit('error', toError(error));
      return undefined;
    }
  }
}
