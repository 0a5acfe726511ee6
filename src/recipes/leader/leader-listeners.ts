/** Curator's listener objects (`LeaderLatchListener`) over a latch's typed events. */
import type { EventEmitter } from 'eventemitter3';
import type { LossReason } from '../shared/errors';
import type { LeaderLatchEvents, LeaderLatchListener, Leadership } from './types';

/** The listener objects added to one latch, each standing for its two event listeners. */
export class LeaderListeners {
  private readonly removers = new Map<LeaderLatchListener, () => void>();

  constructor(private readonly events: EventEmitter<LeaderLatchEvents>) {}

  /** Adds `listener` (again: replaces it); returns a function that removes it. */
  add(listener: LeaderLatchListener): () => void {
    if (typeof listener !== 'object' || listener === null) throw new TypeError('LeaderLatch: listener must be an object');
    this.remove(listener);
    const onIsLeader = (leadership: Leadership): void => listener.isLeader?.(leadership);
    const onNotLeader = (reason: LossReason): void => listener.notLeader?.(reason);
    this.events.on('isLeader', onIsLeader);
    this.events.on('notLeader', onNotLeader);
    const remove = (): void => {
      this.events.off('isLeader', onIsLeader);
      this.events.off('notLeader', onNotLeader);
      this.removers.delete(listener);
    };
    this.removers.set(listener, remove);
    return remove;
  }

  /** Removes `listener`, if added. */
  remove(listener: LeaderLatchListener): void {
    this.removers.get(listener)?.();
  }

  /** Forgets every listener object (their event listeners go with the emitter's). */
  clear(): void {
    this.removers.clear();
  }
}
