/** The argument check every recipe constructor starts with. */
import type { ZooKeeperClient } from '../../client/types';

/** Throws a `TypeError` naming `recipe` unless `client` looks like a {@link ZooKeeperClient}. */
export function checkClient(client: unknown, recipe: string): asserts client is ZooKeeperClient {
  if (typeof client !== 'object' || client === null || typeof (client as ZooKeeperClient).create !== 'function') {
    throw new TypeError(`${recipe}: client must be a ZooKeeperClient`);
  }
}
