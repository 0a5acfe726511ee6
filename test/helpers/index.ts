/** Helpers shared by the test files: one time-scale multiplier for every wait, namespaces, event waits. */
import { randomUUID } from 'node:crypto';
import type { EventEmitter } from 'eventemitter3';
import type { ConnectionState, StateInfo, ZooKeeperClient } from '../../src/client/types';

/** Multiplier for every timeout in tests (`ZK_TEST_TIME_SCALE=3` on a slow machine). */
export const TIME_SCALE = Number(process.env.ZK_TEST_TIME_SCALE ?? '1') || 1;

/** A wait of `ms` scaled by {@link TIME_SCALE}. */
export function scaled(ms: number): number {
  return Math.round(ms * TIME_SCALE);
}

/** A namespace no other test uses (give every test its own). */
export function uniqueNamespace(prefix = 't'): string {
  return `/${prefix}-${randomUUID().slice(0, 8)}`;
}

/** Resolves once `predicate()` is true, checking on every event of `emitter` (and at once); rejects after `timeoutMs`. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any, @typescript-eslint/no-unnecessary-type-parameters -- any emitter and any listener arguments: the predicate checks them
export function waitForEvent<E extends EventEmitter<any>>(
  emitter: E,
  event: string,
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- see above
  predicate: (...args: any[]) => boolean = () => true,
  timeoutMs = scaled(30_000),
): Promise<unknown[]> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      emitter.off(event, listener);
      reject(new Error(`timed out after ${timeoutMs} ms waiting for '${event}'`));
    }, timeoutMs);
    const listener = (...args: unknown[]): void => {
      if (!predicate(...args)) return;
      clearTimeout(timer);
      emitter.off(event, listener);
      resolve(args);
    };
    emitter.on(event, listener);
  });
}

/** Resolves with the info of the next state `wanted` of `client` (matching `predicate`). */
export async function waitForState(
  client: ZooKeeperClient,
  wanted: ConnectionState,
  predicate: (info: StateInfo) => boolean = () => true,
  timeoutMs = scaled(30_000),
): Promise<StateInfo> {
  const [, info] = await waitForEvent(client, 'state', (state: ConnectionState, i: StateInfo) => state === wanted && predicate(i), timeoutMs);
  return info as StateInfo;
}

/**
 * Resolves once `check()` holds, re-checking every `everyMs` until `timeoutMs`: only for conditions that no
 * event announces (e.g. what another client sees on the server), never as a sleep.
 */
export async function eventually(check: () => Promise<boolean> | boolean, timeoutMs = scaled(30_000), everyMs = 50): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > until) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
