/**
 * The watches armed on a session, by kind and path, as the Java client's ZKWatchManager keeps them: which
 * callbacks a notification goes to, and what to re-register (SetWatches) after a reconnect. Paths are client
 * paths (chroot removed).
 */
import type { WatchCallback } from '../transport';
import type { PersistentWatchMode, WatchEvent, WatchKind } from '../types';
import type { WatchSet } from './records';

/** The kinds of one-shot watch the read operations leave. */
export type OneShotKind = 'data' | 'exist' | 'child';

type Table = Map<string, Set<WatchCallback>>;

function add(table: Table, path: string, callback: WatchCallback): void {
  let callbacks = table.get(path);
  if (!callbacks) table.set(path, (callbacks = new Set()));
  callbacks.add(callback);
}

/** Moves the callbacks of `path` into `into`; a one-shot table forgets them. */
function collect(table: Table, path: string, into: Set<WatchCallback>, oneShot: boolean): void {
  const callbacks = table.get(path);
  if (!callbacks) return;
  for (const callback of callbacks) into.add(callback);
  if (oneShot) table.delete(path);
}

/** Removes one callback (or all) of `path`; true when none is left there. */
function remove(table: Table, path: string, callback: WatchCallback | undefined): boolean {
  const callbacks = table.get(path);
  if (!callbacks) return true;
  if (callback) callbacks.delete(callback);
  else callbacks.clear();
  if (callbacks.size === 0) table.delete(path);
  return !table.has(path);
}

/** Armed watches of one session. */
export class WatchRegistry {
  private readonly data: Table = new Map();
  private readonly exist: Table = new Map();
  private readonly child: Table = new Map();
  private readonly persistent: Table = new Map();
  private readonly recursive: Table = new Map();

  /** Arms a one-shot watch (after the read that leaves it succeeded). */
  addOneShot(kind: OneShotKind, path: string, callback: WatchCallback): void {
    add(kind === 'data' ? this.data : kind === 'exist' ? this.exist : this.child, path, callback);
  }

  /** Arms a persistent watch (after the server accepted it). */
  addPersistent(mode: PersistentWatchMode, path: string, callback: WatchCallback): void {
    add(mode === 'persistent' ? this.persistent : this.recursive, path, callback);
  }

  /** True when a watch of `kind` is armed on `path`. */
  has(kind: WatchKind, path: string): boolean {
    return this.tables(kind).some((table) => table.has(path));
  }

  /**
   * Removes the watches of `kind` on `path` (only `callback` when given). True when none of that kind is
   * left on the path, so the server's registration may go too.
   */
  remove(kind: WatchKind, path: string, callback?: WatchCallback): boolean {
    let none = true;
    for (const table of this.tables(kind)) none = remove(table, path, callback) && none;
    return none;
  }

  /**
   * The callbacks a notification goes to (each once, however many of its watches match); one-shot watches
   * fire once and are forgotten, persistent ones stay. A recursive watch sees the node and its descendants,
   * but not children-changed events (the server sends none for it).
   */
  deliver(type: WatchEvent['type'], path: string): Set<WatchCallback> {
    const callbacks = new Set<WatchCallback>();
    switch (type) {
      case 'created':
      case 'data-changed':
        collect(this.data, path, callbacks, true);
        collect(this.exist, path, callbacks, true);
        break;
      case 'deleted':
        collect(this.data, path, callbacks, true);
        collect(this.exist, path, callbacks, true);
        collect(this.child, path, callbacks, true);
        break;
      case 'children-changed':
        collect(this.child, path, callbacks, true);
        break;
    }
    collect(this.persistent, path, callbacks, false);
    if (type !== 'children-changed' && this.recursive.size > 0) {
      for (let at = path; ; at = at.slice(0, Math.max(1, at.lastIndexOf('/')))) {
        collect(this.recursive, at, callbacks, false);
        if (at === '/') break;
      }
    }
    return callbacks;
  }

  /** Every armed watch's path by kind, mapped through `toServer`, for SetWatches after a reconnect. */
  snapshot(toServer: (path: string) => string): WatchSet {
    const paths = (table: Table): string[] => [...table.keys()].map(toServer);
    return {
      data: paths(this.data),
      exist: paths(this.exist),
      child: paths(this.child),
      persistent: paths(this.persistent),
      persistentRecursive: paths(this.recursive),
    };
  }

  private tables(kind: WatchKind): Table[] {
    switch (kind) {
      case 'data':
        return [this.data, this.exist];
      case 'children':
        return [this.child];
      case 'persistent':
        return [this.persistent];
      case 'persistent-recursive':
        return [this.recursive];
      case 'any':
        return [this.data, this.exist, this.child, this.persistent, this.recursive];
    }
  }
}
