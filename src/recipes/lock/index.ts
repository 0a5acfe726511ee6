/**
 * Distributed locks on ZooKeeper, interoperable with Apache Curator: {@link Mutex}, {@link SemaphoreMutex},
 * {@link ReadWriteLock}, {@link Semaphore} and {@link MultiLock}. Guarantees and limits: docs/locks.md.
 */
export { Mutex, type MutexOptions } from './mutex';
export { ReadWriteLock, ReadLock, WriteLock, type ReadWriteLockOptions } from './read-write-lock';
export { Semaphore, Lease, type SemaphoreOptions } from './semaphore';
export { SemaphoreMutex, type SemaphoreMutexOptions } from './semaphore-mutex';
export { MultiLock, MultiLockHandle } from './multi-lock';
export { LockTimeoutError } from './errors';
export type { AcquireOptions, HeldLock, Lock, LockHandle, LockOptions } from './types';
