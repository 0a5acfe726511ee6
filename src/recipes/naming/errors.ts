/** Errors of the naming recipes (service discovery and unique ids). */
import { brand } from '../../client/brand';
import { RecipeTimeoutError } from '../shared/errors';

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
  }
}
brand(InvalidServiceInstanceError, 'InvalidServiceInstanceError');

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
  }
}
brand(ServiceNotRegisteredError, 'ServiceNotRegisteredError');

/** A wait of the naming recipes (e.g. `ServiceProvider.waitForInstance({ timeoutMs })`) ran out of time. */
export class NamingTimeoutError extends RecipeTimeoutError {
  override readonly name: string = 'NamingTimeoutError';
}
brand(NamingTimeoutError, 'NamingTimeoutError');

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
  }
}
brand(CorruptIdCounterError, 'CorruptIdCounterError');
