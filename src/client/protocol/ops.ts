/** ZooKeeper's numbers: op codes (ZooDefs.OpCode), special xids, create flags, event and watcher types. */

/** Op codes of requests (ZooDefs.OpCode). */
export const OpCode = {
  notification: 0,
  create: 1,
  delete: 2,
  exists: 3,
  getData: 4,
  setData: 5,
  getACL: 6,
  setACL: 7,
  getChildren: 8,
  sync: 9,
  ping: 11,
  getChildren2: 12,
  check: 13,
  multi: 14,
  create2: 15,
  checkWatches: 17,
  removeWatches: 18,
  createContainer: 19,
  createTTL: 21,
  multiRead: 22,
  auth: 100,
  setWatches: 101,
  getEphemerals: 103,
  getAllChildrenNumber: 104,
  setWatches2: 105,
  addWatch: 106,
  whoAmI: 107,
  closeSession: -11,
  error: -1,
} as const;

/** Xids the protocol reserves (ClientCnxn): replies carrying them are not answers to numbered requests. */
export const Xid = {
  notification: -1,
  ping: -2,
  auth: -4,
  setWatches: -8,
} as const;

/** Create flags (CreateMode.toFlag). */
export const CreateFlag = {
  persistent: 0,
  ephemeral: 1,
  'persistent-sequential': 2,
  'ephemeral-sequential': 3,
  container: 4,
  'persistent-with-ttl': 5,
  'persistent-sequential-with-ttl': 6,
} as const;

/** Watch event types of a notification (Watcher.Event.EventType). */
export const EventType = {
  none: -1,
  created: 1,
  deleted: 2,
  dataChanged: 3,
  childrenChanged: 4,
  dataWatchRemoved: 5,
  childWatchRemoved: 6,
  persistentWatchRemoved: 7,
} as const;

/**
 * Watcher types of removeWatches/checkWatches (Watcher.WatcherType). Persistent watches have no type of their
 * own before ZooKeeper 3.9 (3.8 fails the request on 4 or 5): they are removed with `any`.
 */
export const WatcherType = {
  children: 1,
  data: 2,
  any: 3,
  persistent: 3,
  'persistent-recursive': 3,
} as const;

/** Modes of addWatch (AddWatchMode). */
export const AddWatchMode = {
  persistent: 0,
  'persistent-recursive': 1,
} as const;

/** Result codes the engine looks at itself (KeeperException.Code). */
export const Err = {
  ok: 0,
  connectionLoss: -4,
  unimplemented: -6,
  noNode: -101,
  authFailed: -115,
} as const;
