/**
 * Waiting on a one-shot watch together with the connection state, the way every sequential-node recipe
 * (locks, latches, elections, semaphores) waits for "my predecessor is gone".
 *
 * A wait ends with an outcome that tells the caller what to do next, never with a guess:
 * - `deleted`: the watched node is gone (its deletion was notified, or it did not exist when the watch was
 *   to be set) — for a node that was the last one ahead, the caller may act without re-reading;
 * - `changed`: the watched node (or children) changed otherwise — re-read and decide again;
 * - `recheck`: the connection came back in the same session, or arming the watch failed for connection
 *   reasons — re-read (the server re-arms watches on reconnect, but re-reading is cheap and always safe);
 * - `session-changed`: the session the caller's ephemeral node belonged to is gone (or the client is opening
 *   a new one) — the caller's node is dead or doomed, start over.
 * Time-outs reject with the caller's error, aborts with `signal.reason`, a closed client with `CLIENT_CLOSED`.
 */
import { Deadline, waitUntil } from '../../client/deadline';
import { isZkError, mayRecover, ZkError } from '../../client/errors';
import type { ConnectionState, StateInfo, WatchEvent, ZooKeeperClient } from '../../client/types';

/** What ended a {@link waitForWatchOrState} / {@link waitForNodeChange}. */
export type WatchWaitOutcome = 'deleted' | 'changed' | 'recheck' | 'session-changed';

/** A fresh one-shot watch callback and a promise of its first trigger. */
export interface OneShotWatch {
  /** Pass this as `{ watch }` to a read. A fresh function every time, so the client never de-duplicates it. */
  readonly watch: (event: WatchEvent) => void;
  /** Resolves with the first event delivered to {@link OneShotWatch.watch}. */
  readonly fired: Promise<WatchEvent>;
}

/** Creates a {@link OneShotWatch}. */
export function oneShotWatch(): OneShotWatch {
  let trigger!: (event: WatchEvent) => void;
  const fired = new Promise<WatchEvent>((resolve) => (trigger = resolve));
  return { watch: (event) => trigger(event), fired };
}

/** Options shared by the waits of this module. */
export interface WatchWaitOptions {
  /** Bounds the wait (time and abort signal). */
  deadline: Deadline;
  /** The error to reject with when the deadline passes. */
  onTimeout: () => Error;
  /**
   * The session the caller's state belongs to (`client.sessionId` when its ephemeral node was created).
   * When the client is already in another session (or has lost it), the wait ends at once with
   * `session-changed`.
   */
  sessionId: string | undefined;
}

function sessionGone(client: ZooKeeperClient, sessionId: string | undefined): boolean {
  return client.state === 'lost' || (sessionId !== undefined && client.sessionId !== sessionId);
}

/**
 * Starts listening to the connection state at once (synchronously), then waits for `arm()` — a read that
 * leaves a watch and resolves once it is set — and for the watch (`fired`). `arm` may resolve with
 * `'deleted'` (e.g. `NO_NODE` on a `getData` of a predecessor) or `'changed'` to end the wait at once.
 */
export function waitForWatchOrState(
  client: ZooKeeperClient,
  fired: Promise<unknown>,
  arm: () => Promise<'armed' | 'changed' | 'deleted'>,
  options: WatchWaitOptions,
): Promise<WatchWaitOutcome> {
  if (sessionGone(client, options.sessionId)) return Promise.resolve('session-changed');
  return waitUntil<WatchWaitOutcome>(
    options.deadline,
    (done, fail) => {
      const onState = (state: ConnectionState, info: StateInfo): void => {
        if (state === 'lost' || (state === 'reconnected' && info.sessionChanged)) done('session-changed');
        else if (state === 'reconnected') done('recheck');
        else if (state === 'closed') fail(ZkError.of('CLIENT_CLOSED', 'getData'));
      };
      client.on('state', onState);
      void fired.then((event) => done((event as WatchEvent | undefined)?.type === 'deleted' ? 'deleted' : 'changed'));
      arm().then(
        (result) => {
          if (result !== 'armed') done(result);
        },
        (error: unknown) => {
          if (isZkError(error, 'CLIENT_CLOSED')) fail(error);
          // Connection trouble while arming: re-read (the deadline still bounds the whole wait). Anything
          // else (e.g. NO_AUTH) is the caller's to see.
          else if (mayRecover(error)) done('recheck');
          else if (options.deadline.signal?.aborted || options.deadline.expired()) done('recheck');
          else fail(error);
        },
      );
      return () => client.off('state', onState);
    },
    options.onTimeout,
  );
}

/**
 * Waits until the node at `path` changes (is deleted, typically), the connection calls for a re-check, or
 * the session is gone. Uses `getData` with a watch rather than `exists`, so that no watch is left behind on
 * a node that is already gone. Resolves `deleted` at once when the node does not exist.
 */
export function waitForNodeChange(client: ZooKeeperClient, path: string, options: WatchWaitOptions): Promise<WatchWaitOutcome> {
  const { watch, fired } = oneShotWatch();
  const { deadline } = options;
  return waitForWatchOrState(
    client,
    fired,
    async () => {
      try {
        await client.getData(path, { watch, ...opOptions(deadline) });
        return 'armed';
      } catch (error) {
        if (isZkError(error, 'NO_NODE')) return 'deleted';
        throw error;
      }
    },
    options,
  );
}

/** Per-operation wait options from a deadline: its remaining time (when finite) and its signal. */
export function opOptions(deadline: Deadline): { timeoutMs?: number; signal?: AbortSignal } {
  const remaining = deadline.remaining();
  const options: { timeoutMs?: number; signal?: AbortSignal } = {};
  if (remaining !== Infinity) options.timeoutMs = remaining;
  if (deadline.signal) options.signal = deadline.signal;
  return options;
}
