/**
 * Who owns an ephemeral node. Recipes must never adopt a node left by another session (an old session of
 * their own client included) as if it were theirs: it disappears when that session ends.
 */
import type { ConnectionState, Stat, ZooKeeperClient } from '../../client/types';

/** The 16-hex-digit session id that owns `stat`'s node (`0000000000000000` for a persistent node). */
export function ownerSessionId(stat: Stat): string {
  return BigInt.asUintN(64, stat.ephemeralOwner).toString(16).padStart(16, '0');
}

/** True when `stat` describes an ephemeral node owned by `client`'s current session. */
export function ownedByCurrentSession(stat: Stat | null | undefined, client: Pick<ZooKeeperClient, 'sessionId'>): boolean {
  const session = client.sessionId;
  if (stat === null || stat === undefined || session === undefined) return false;
  return BigInt.asUintN(64, stat.ephemeralOwner) === BigInt(`0x${session}`);
}

/** True while the client has a usable connection to a server that accepts writes. */
export function isWritable(client: Pick<ZooKeeperClient, 'state'>): boolean {
  return client.state === 'connected' || client.state === 'reconnected';
}

/**
 * Resolves when `work` settles or when the client stops being writable, whichever comes first: for waits
 * (like a close's delete) that must not hang for an operation timeout while disconnected. Never rejects.
 */
export function whileWritable(client: Pick<ZooKeeperClient, 'state' | 'on' | 'off'>, work: Promise<unknown>): Promise<void> {
  return new Promise<void>((resolve) => {
    const onState = (state: ConnectionState): void => {
      if (state !== 'connected' && state !== 'reconnected') finish();
    };
    const finish = (): void => {
      client.off('state', onState);
      resolve();
    };
    if (!isWritable(client)) {
      resolve();
      return;
    }
    client.on('state', onState);
    work.then(finish, finish);
  });
}
