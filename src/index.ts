/**
 * zk-recipes: a typed, reconnecting ZooKeeper client and Curator-compatible recipes.
 *
 * @packageDocumentation
 */
export * from './client';
export * from './recipes/shared';
export * from './recipes/lock';
export * from './recipes/leader';
export * from './recipes/membership';
export * from './recipes/config';
export * from './recipes/naming';
