/**
 * Set-up shared by the lock tests: an independent mutual-exclusion checker, and a client wrapper that counts
 * watch notifications and records the order of requests.
 */
import type { WatchEvent, WatchOption, ZooKeeperClient } from '../../../src/client/types';

/** One stay in the critical section. */
interface Stay {
  holder: string;
  token: bigint | undefined;
  signal: AbortSignal;
  /** Set on exit: whether the holder still counted itself as holding (its signal not aborted). */
  certainAtExit?: boolean;
}

/**
 * An independent "resource" that only one holder may use at a time. Holders call `enter` right after their
 * acquire resolved and `exit` right before they release; the checker records every overlap of two stays and
 * every fencing token that does not grow. An overlap is a violation unless one of the two holders was told,
 * before it left, that it may no longer count on the lock (its `signal` aborted): between the server giving
 * the lock to the next holder and the old holder's client hearing of it there is a window no lock can
 * close (that is what fencing tokens are for), and a holder inside that window learns of it through its
 * signal.
 */
export class ExclusionChecker {
  private readonly immediate: string[] = [];
  private readonly overlaps: Array<[Stay, Stay]> = [];
  private readonly inside = new Set<Stay>();
  private lastToken: bigint | undefined;
  private entries = 0;
  private excludedEntries = 0;
  private readonly waiters: Array<{ count: number; resolve: () => void }> = [];

  /** Number of stays so far. */
  get count(): number {
    return this.entries;
  }

  /** Number of stays that ended with the holder's signal aborted. */
  get excluded(): number {
    return this.excludedEntries;
  }

  /** Everything found so far: overlaps of two holders that both stayed certain, tokens that did not grow. */
  get violations(): string[] {
    const certain = (stay: Stay): boolean => stay.certainAtExit ?? !stay.signal.aborted;
    return [
      ...this.immediate,
      ...this.overlaps.filter(([a, b]) => certain(a) && certain(b)).map(([a, b]) => `${b.holder} entered while ${a.holder} was inside`),
    ];
  }

  /** `holder` enters with `signal` (of its handle) and `token`; returns the stay to pass to `exit`. */
  enter(holder: string, signal: AbortSignal, token?: bigint): Stay {
    const stay: Stay = { holder, token, signal };
    if (signal.aborted) this.immediate.push(`${holder} entered with an aborted signal`);
    for (const other of this.inside) this.overlaps.push([other, stay]);
    if (token !== undefined) {
      if (this.lastToken !== undefined && token <= this.lastToken) {
        this.immediate.push(`${holder}'s fencing token ${token} did not grow (last ${this.lastToken})`);
      }
      this.lastToken = token;
    }
    this.inside.add(stay);
    this.entries += 1;
    for (const waiter of this.waiters.filter((w) => w.count <= this.entries)) {
      this.waiters.splice(this.waiters.indexOf(waiter), 1);
      waiter.resolve();
    }
    return stay;
  }

  /** Resolves once `count` stays began. */
  reached(count: number): Promise<void> {
    if (this.entries >= count) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ count, resolve }));
  }

  /** The stay ends. */
  exit(stay: Stay): void {
    stay.certainAtExit = !stay.signal.aborted;
    if (!stay.certainAtExit) this.excludedEntries += 1;
    this.inside.delete(stay);
  }
}

/** What a {@link ObservedClient} saw. */
export interface Observations {
  /** Watch notifications delivered, in order. */
  notifications: WatchEvent[];
  /** Requests in the order they were issued, and when each settled (index into `log`). */
  log: string[];
}

/**
 * Wraps a client so that every one-shot watch notification delivered to the recipe is counted, and every
 * request is logged when issued (`> op path`) and when settled (`< op path`). The recipe sees the same
 * client otherwise (events, state, transactions).
 */
export function observe(client: ZooKeeperClient): { client: ZooKeeperClient; seen: Observations } {
  const seen: Observations = { notifications: [], log: [] };
  // createWithStat is logged as `create`: one create request either way.
  const logged = new Map(['create', 'createWithStat', 'getData', 'exists', 'getChildren', 'delete', 'setData'].map((op) => [op, op.replace('WithStat', '')]));
  const wrapped = new Proxy(client, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver) as unknown;
      if (typeof value !== 'function') return value;
      const name = logged.get(String(property));
      if (name === undefined) return (value as (...a: unknown[]) => unknown).bind(target);
      return (path: string, ...rest: unknown[]) => {
        const args = rest.map((arg) => {
          const watch = (arg as WatchOption | undefined)?.watch;
          if (typeof watch !== 'function') return arg;
          return {
            ...(arg as object),
            watch: (event: WatchEvent) => {
              seen.notifications.push(event);
              watch(event);
            },
          };
        });
        seen.log.push(`> ${name} ${path}`);
        const result = (value as (...a: unknown[]) => Promise<unknown>).call(target, path, ...args);
        const settled = (): void => {
          seen.log.push(`< ${name} ${path}`);
        };
        result.then(settled, settled);
        return result;
      };
    },
  });
  return { client: wrapped, seen };
}

/** Every ephemeral node under `path` (at any depth), sorted: what an acquisition may leave behind. */
export async function ephemeralsUnder(client: ZooKeeperClient, path: string): Promise<string[]> {
  const found: string[] = [];
  const visit = async (node: string): Promise<void> => {
    let children: string[];
    try {
      children = (await client.getChildren(node)).children;
    } catch (error) {
      if ((error as { code?: string }).code === 'NO_NODE') return;
      throw error;
    }
    await Promise.all(
      children.map(async (child) => {
        const childPath = node === '/' ? `/${child}` : `${node}/${child}`;
        const stat = await client.exists(childPath);
        if (stat && stat.ephemeralOwner !== 0n) found.push(childPath);
        await visit(childPath);
      }),
    );
  };
  await visit(path);
  return found.sort();
}

/** The children of `path` (none when it does not exist). */
export async function childrenOf(client: ZooKeeperClient, path: string): Promise<string[]> {
  try {
    return (await client.getChildren(path)).children.sort();
  } catch (error) {
    if ((error as { code?: string }).code === 'NO_NODE') return [];
    throw error;
  }
}

/** Resolves with what `promise` rejected with; fails the test when it resolves. */
export async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    (value) => {
      throw new Error(`expected a rejection, got ${String(value)}`);
    },
    (reason: unknown) => reason,
  );
}
