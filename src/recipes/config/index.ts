/**
 * Config centre and caches: {@link NodeCache}, {@link TreeCache}, {@link ConfigCache}, {@link SharedValue},
 * {@link SharedCount} and {@link AtomicCounter}, data-compatible with Apache Curator. Guarantees, re-sync
 * semantics and costs: docs/config.md.
 */
export { NodeCache, type NodeCacheOptions, type NodeCacheEvents, type NodeChange } from './node-cache';
export { TreeCache, type TreeCacheOptions, type TreeCacheEvents, type TreeCacheEvent } from './tree-cache';
export type { CachedNode, CacheChange } from './cache-engine';
export { ConfigCache, type ConfigCacheOptions } from './config-cache';
export { SharedValue, SharedCount, type SharedValueOptions, type SharedCountOptions } from './shared-value';
export type { ValueChange, ValueCacheEvents, VersionedValue } from './value-cache';
export {
  AtomicCounter,
  type AtomicCounterOptions,
  type AtomicResult,
  type AtomicStats,
  type CounterRetryOptions,
} from './atomic-counter';
export { jsonCodec, bufferCodec, int32Codec, int64Codec, type Codec } from './codecs';
export { InvalidValueError, ConfigTimeoutError } from './errors';
