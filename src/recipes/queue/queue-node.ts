/**
 * Making a queue's node before its first put. Puts are pipelined, so a put sent while the queue node is
 * missing fails with NO_NODE and is sent again later: if another client makes the node meanwhile, puts of
 * the same producer sent after it succeed first and take lower sequence numbers — the producer's items would
 * leave the queue out of order. So no put of a client is sent before that client has seen the node exist:
 * the first put of a client on a path makes it (or finds it), and every put waits for that one request.
 */
import { isZkError } from '../../client/errors';
import type { ZooKeeperClient } from '../../client/types';

/** Per client, the queue paths made (or being made): the promise every put on that path waits for. */
const madeByClient = new WeakMap<ZooKeeperClient, Map<string, Promise<void>>>();

/**
 * Resolves once the node at `path` (with its parents) is known to exist for `client`; the request is made
 * once per client and path. A failure is not remembered: the next put tries again.
 */
export function queueNodeReady(client: ZooKeeperClient, path: string): Promise<void> {
  let made = madeByClient.get(client);
  if (made === undefined) {
    made = new Map();
    madeByClient.set(client, made);
  }
  let ready = made.get(path);
  if (ready === undefined) {
    const paths = made;
    ready = makeQueueNode(client, path);
    paths.set(path, ready);
    ready.catch(() => paths.delete(path));
  }
  return ready;
}

/** Creates the node at `path` and its parents; one that exists already is fine. */
export async function makeQueueNode(client: ZooKeeperClient, path: string): Promise<void> {
  await client.create(path, undefined, { createParents: true }).catch((error: unknown) => {
    if (!isZkError(error, 'NODE_EXISTS')) throw error;
  });
}
