/** Naming: service discovery in Curator's layout ({@link ServiceDiscovery}, {@link ServiceCache}, {@link ServiceProvider}) and unique ids. */
export {
  ServiceDiscovery,
  type ServiceDiscoveryOptions,
  type ServiceDiscoveryEvents,
} from './service-discovery';
export { ServiceCache, type ServiceCacheEvents } from './service-cache';
export {
  ServiceProvider,
  type ProviderStrategy,
  type ServiceProviderOptions,
  type ServiceProviderEvents,
} from './service-provider';
export type { DownInstancePolicy } from './down-instances';
export {
  serviceInstance,
  buildUri,
  parseServiceInstance,
  serializeServiceInstance,
  type ServiceInstance,
  type ServiceInstanceInit,
  type ServiceType,
} from './instance';
export {
  InvalidServiceInstanceError,
  ServiceNotRegisteredError,
  NamingTimeoutError,
  CorruptIdCounterError,
  type ServiceInstanceField,
} from './errors';
export { SequentialIdGenerator, type SequentialIdGeneratorOptions } from './sequential-id';
export { IdBlockAllocator, type IdBlockAllocatorOptions } from './id-block-allocator';
