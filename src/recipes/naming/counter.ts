/**
 * An 8-byte big-endian signed counter node, the format of Curator's `DistributedAtomicLong` (the bytes of
 * the config family's `AtomicCounter`, through the same codec), advanced with an optimistic
 * compare-and-set on the node's version. Unlike AtomicCounter, which gives up after a number of tries, an id
 * counter retries until its deadline: an id is wanted, not a report that none could be had.
 */
import { Deadline } from '../../client/deadline';
import { isZkError } from '../../client/errors';
import type { WaitOptions, ZooKeeperClient } from '../../client/types';
import { INT64_MAX, int64Codec } from '../config/codecs';
import { opOptions } from '../shared/wait-for-change';
import { CorruptIdCounterError, NamingTimeoutError } from './errors';

/** The counter before and after an {@link addToCounter}. */
export interface CounterChange {
  /** The value the add started from. */
  preValue: bigint;
  /** The value written. */
  postValue: bigint;
}

/** The counter's value; an empty node counts as 0, as in Curator. */
function decode(path: string, data: Buffer): bigint {
  if (data.length !== 0 && data.length !== 8) throw new CorruptIdCounterError(path, data.length);
  return int64Codec.decode(data);
}

/**
 * Adds `delta` to the counter at `path` (created, with its parents, at 0 + delta when missing): read, then
 * setData at the version read, again on BAD_VERSION. Each retry means another client's add went through,
 * so the loop always makes progress. Rejects with {@link NamingTimeoutError} after `timeoutMs`.
 */
export async function addToCounter(client: ZooKeeperClient, path: string, delta: bigint, options: WaitOptions = {}): Promise<CounterChange> {
  const deadline = Deadline.from(options);
  for (;;) {
    deadline.throwIfAborted();
    if (deadline.expired()) throw new NamingTimeoutError(`id counter ${path}: no update within ${options.timeoutMs} ms`, { path, timeoutMs: options.timeoutMs ?? 0 });
    let read: { data: Buffer; version: number } | undefined;
    try {
      const { data, stat } = await client.getData(path, opOptions(deadline));
      read = { data, version: stat.version };
    } catch (error) {
      if (!isZkError(error, 'NO_NODE')) throw error;
    }
    const preValue = read === undefined ? 0n : decode(path, read.data);
    const postValue = preValue + delta;
    if (postValue > INT64_MAX) throw new RangeError(`id counter ${path}: ${preValue} + ${delta} overflows a signed 64-bit number`);
    try {
      if (read === undefined) await client.create(path, int64Codec.encode(postValue), { ...opOptions(deadline), createParents: true });
      else await client.setData(path, int64Codec.encode(postValue), { ...opOptions(deadline), version: read.version });
      return { preValue, postValue };
    } catch (error) {
      if (!isZkError(error, 'NODE_EXISTS', 'BAD_VERSION')) throw error;
    }
  }
}
