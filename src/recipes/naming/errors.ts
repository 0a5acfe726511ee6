/** Errors of the naming recipes (service discovery and unique ids). */
import { RecipeTimeoutError } from '../shared/errors';

/**
 * Brands `cls` so that `instanceof` holds for instances made by another copy of this package (the ESM and
 * the CJS build loaded side by side), as `ZkError` does: the check looks for a `Symbol.for` mark.
 */
function brand(cls: abstract new (...args: never[]) => Error, key: string): symbol {
  const mark = Symbol.for(`zk-recipes.${key}`);
  Object.defineProperty(cls, Symbol.hasInstance, {
    value(this: unknown, value: unknown): boolean {
      if (this !== cls) return Function.prototype[Symbol.hasInstance].call(this, value);
      return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[mark] === true;
    },
  });
  return mark;
}

/** Which part of a service instance was refused. */
export type ServiceInstanceField =
  | 'name'
  | 'id'
  | 'address'
  | 'port'
  | 'sslPort'
  | 'payload'
  | 'registrationTimeUTC'
  | 'serviceType'
  | 'uriSpec'
  | 'enabled'
  | 'instance';

/**
 * A service instance that cannot be registered (a name with `/`, a port out of range, a payload that is not
 * JSON, ...) or node data that is not a service instance. Raised before anything is written.
 *
 * @example
 * ```ts
 * try {
 *   await discovery.register(serviceInstance({ name: 'api', port: 70_000 }));
 * } catch (error) {
 *   if (error instanceof InvalidServiceInstanceError) log.warn(`bad ${error.field}: ${error.message}`);
 * }
 * ```
 */
export class InvalidServiceInstanceError extends TypeError {
  override readonly name = 'InvalidServiceInstanceError' as const;
  /** The field that was refused. */
  readonly field: ServiceInstanceField;

  constructor(field: ServiceInstanceField, message: string, options?: { cause?: unknown }) {
    super(`service instance ${field}: ${message}`, options);
    this.field = field;
    Object.defineProperty(this, invalidInstanceMark, { value: true });
  }
}
const invalidInstanceMark = brand(InvalidServiceInstanceError, 'InvalidServiceInstanceError');

/** `update()` of an instance this discovery has not registered (or has unregistered since). */
export class ServiceNotRegisteredError extends Error {
  override readonly name = 'ServiceNotRegisteredError' as const;
  /** The service name. */
  readonly serviceName: string;
  /** The instance id. */
  readonly instanceId: string;

  constructor(serviceName: string, instanceId: string) {
    super(`service instance ${serviceName}/${instanceId} is not registered by this ServiceDiscovery`);
    this.serviceName = serviceName;
    this.instanceId = instanceId;
    Object.defineProperty(this, notRegisteredMark, { value: true });
  }
}
const notRegisteredMark = brand(ServiceNotRegisteredError, 'ServiceNotRegisteredError');

/** A wait of the naming recipes (e.g. `ServiceProvider.waitForInstance({ timeoutMs })`) ran out of time. */
export class NamingTimeoutError extends RecipeTimeoutError {
  override readonly name: string = 'NamingTimeoutError';

  constructor(message: string, timeoutMs: number) {
    super(message, timeoutMs);
    Object.defineProperty(this, timeoutMark, { value: true });
  }
}
const timeoutMark = brand(NamingTimeoutError, 'NamingTimeoutError');

/**
 * The id counter node holds data that is not an 8-byte big-endian number (Curator's `DistributedAtomicLong`
 * format): it was written by something else. Nothing is overwritten.
 */
export class CorruptIdCounterError extends Error {
  override readonly name = 'CorruptIdCounterError' as const;
  /** The counter's path. */
  readonly path: string;

  constructor(path: string, length: number) {
    super(`id counter ${path} holds ${length} bytes, not an 8-byte big-endian number`);
    this.path = path;
    Object.defineProperty(this, corruptCounterMark, { value: true });
  }
}
const corruptCounterMark = brand(CorruptIdCounterError, 'CorruptIdCounterError');
