/**
 * Pins the public API: the runtime exports of both entry points. A change here is a change of the public
 * API and must be deliberate (update the list, and the docs).
 */
import * as main from '../../src';
import * as testing from '../../src/testing';

test('zk-recipes exports exactly the public API', () => {
  expect(Object.keys(main).sort()).toEqual([
    'CREATOR_ALL_ACL',
    'CorruptIdCounterError',
    'GroupMember',
    'HoldLostError',
    'IdBlockAllocator',
    'InvalidServiceInstanceError',
    'LATCH_MARKER',
    'LeaderLatch',
    'LeaderSelector',
    'LeadershipTimeoutError',
    'Lease',
    'LockTimeoutError',
    'MAX_DATA_BYTES',
    'MultiLock',
    'MultiLockHandle',
    'Mutex',
    'NamingTimeoutError',
    'OPEN_ACL_UNSAFE',
    'Perms',
    'PersistentNode',
    'PersistentNodeTimeoutError',
    'READ_ACL_UNSAFE',
    'ReadLock',
    'ReadWriteLock',
    'RecipeStateError',
    'RecipeTimeoutError',
    'SELECTOR_MARKER',
    'Semaphore',
    'SemaphoreMutex',
    'SequentialIdGenerator',
    'ServiceCache',
    'ServiceDiscovery',
    'ServiceNotRegisteredError',
    'ServiceProvider',
    'WriteLock',
    'ZkClient',
    'ZkError',
    'buildUri',
    'channelNames',
    'codeName',
    'isRetriableCode',
    'isZkError',
    'joinPath',
    'nodeName',
    'parentPath',
    'parseServiceInstance',
    'serializeServiceInstance',
    'serviceInstance',
    'validateMemberId',
    'validatePath',
  ]);
});

test('zk-recipes/testing exports exactly the test kit', () => {
  expect(Object.keys(testing).sort()).toEqual([
    'DEBIAN_JAR_DIR',
    'TestingCluster',
    'TestingProxy',
    'TestingServer',
    'ZooKeeperNotFoundError',
    'ZooKeeperStartError',
    'closeSessionWithCredentials',
    'expireSession',
    'findZooKeeper',
    'fourLetterWord',
    'freePorts',
    'killAllZooKeepers',
    'parseMode',
    'trackedJvms',
  ]);
});

