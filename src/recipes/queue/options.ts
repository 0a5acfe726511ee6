/** Options of the queues, and the one function per shape that checks them and fills in the defaults. */
import { validatePath } from '../../client/paths';
import { oneOfOption, optionsObject } from '../shared/options';
import { jsonCodec, type Codec } from '../shared/codec';
import { checkGuard, type Guard } from '../shared/guard';

/**
 * `lock-safe` (at-least-once): an item is claimed, handed to the handler, and removed only once the handler
 * succeeded; if the consumer dies or the handler throws, the item comes back. `at-most-once`: an item is
 * removed before it is handed out; if the consumer dies while handling it, it is lost.
 */
export type QueueMode = 'lock-safe' | 'at-most-once';

const MODES: readonly QueueMode[] = ['lock-safe', 'at-most-once'];

/** Options of a {@link DistributedQueue} (and of the priority and delay queues). */
export interface DistributedQueueOptions<T> {
  /** How items become node data and back. @default JSON (UTF-8) */
  codec?: Codec<T>;
  /**
   * Delivery guarantee; every consumer of one path must use the same mode. @default 'lock-safe'
   */
  mode?: QueueMode;
  /**
   * Where lock-safe consumers put their claims (one ephemeral node per item being handled, named as the
   * item), as Curator's `lockPath`. Kept apart from the items so that a claim does not wake consumers that
   * watch the queue. @default `<path>-locks`
   */
  lockPath?: string;
  /**
   * Lock-safe: after this many failed attempts an item goes to `deadLetterPath` instead of back into the
   * queue (needs `deadLetterPath`). @default Infinity (an item that fails goes back to the tail, always)
   */
  maxAttempts?: number;
  /** Lock-safe: where an item goes after `maxAttempts` failed attempts. @default none */
  deadLetterPath?: string;
}

/** {@link DistributedQueueOptions} with the defaults filled in. */
export interface ResolvedQueueOptions<T> {
  codec: Codec<T>;
  mode: QueueMode;
  lockPath: string;
  maxAttempts: number;
  deadLetterPath: string | undefined;
}

/** Checks a queue's path and options (TypeError for a wrong type, RangeError for a value out of range). */
export function resolveDistributedQueueOptions<T>(path: unknown, options: DistributedQueueOptions<T> | undefined, recipe: string): ResolvedQueueOptions<T> {
  checkQueuePath(path);
  const given = optionsObject(options, recipe);
  const { codec = jsonCodec as Codec<T>, lockPath = `${path}-locks`, maxAttempts = Number.POSITIVE_INFINITY, deadLetterPath } = given;
  if (typeof codec !== 'object' || codec === null || typeof codec.encode !== 'function' || typeof codec.decode !== 'function') {
    throw new TypeError(`${recipe}: codec must be an object with encode(item) and decode(data)`);
  }
  const mode = oneOfOption(given.mode, 'mode', recipe, MODES, 'lock-safe');
  validatePath(lockPath, 'lockPath');
  if (lockPath === path || lockPath.startsWith(`${path}/`)) throw new RangeError(`lockPath must not be the queue's path or below it: ${lockPath}`);
  if (typeof maxAttempts !== 'number' || Number.isNaN(maxAttempts)) throw new TypeError(`maxAttempts must be a number, got ${String(maxAttempts)}`);
  if (maxAttempts < 1 || (Number.isFinite(maxAttempts) && !Number.isInteger(maxAttempts))) {
    throw new RangeError(`maxAttempts must be an integer >= 1 (or Infinity), got ${maxAttempts}`);
  }
  if (deadLetterPath !== undefined) validatePath(deadLetterPath, 'deadLetterPath');
  if (Number.isFinite(maxAttempts) && deadLetterPath === undefined) throw new TypeError('maxAttempts needs deadLetterPath (where items go after it)');
  if (!Number.isFinite(maxAttempts) && deadLetterPath !== undefined) throw new TypeError('deadLetterPath needs maxAttempts (when items go there)');
  if (mode === 'at-most-once' && deadLetterPath !== undefined) throw new TypeError("deadLetterPath needs mode 'lock-safe' (an at-most-once item is gone before it is handled)");
  return { codec, mode, lockPath, maxAttempts, deadLetterPath };
}

/** Checks a queue path: a valid path other than the root. */
export function checkQueuePath(path: unknown): asserts path is string {
  validatePath(path);
  if (path === '/') throw new TypeError('path must not be the root: a queue needs a node of its own');
}

/** Options of {@link DistributedQueue.consume}. */
export interface ConsumeOptions {
  /** Items handled at the same time (each also claims its next item while it works). @default 1 */
  concurrency?: number;
  /** Stops consuming: in-flight handlers finish (and their items are acknowledged), then `consume()` resolves. */
  signal?: AbortSignal;
}

/** {@link ConsumeOptions} with defaults filled in. */
export interface ResolvedConsumeOptions {
  concurrency: number;
  signal: AbortSignal | undefined;
}

/** Checks {@link ConsumeOptions}. */
export function resolveConsumeOptions(options: ConsumeOptions | undefined): ResolvedConsumeOptions {
  const { concurrency = 1, signal } = optionsObject(options, 'QueueConsumer');
  if (typeof concurrency !== 'number' || !Number.isInteger(concurrency)) throw new TypeError(`concurrency must be an integer, got ${String(concurrency)}`);
  if (concurrency < 1) throw new RangeError(`concurrency must be at least 1, got ${concurrency}`);
  if (signal !== undefined && !(signal instanceof AbortSignal)) throw new TypeError('signal must be an AbortSignal');
  return { concurrency, signal };
}

/** Options of a queue's `put()` / `putMany()` (and of {@link SimpleDistributedQueue.offer}). */
export interface PutOptions {
  /**
   * Fence the write by a hold: a held lock or lease, or a term of leadership. The items are created in the
   * guard's transaction, behind a check of its node, so they are written only while the guard stands;
   * otherwise the put rejects with a {@link HoldLostError} and nothing is written. The transaction goes
   * through the client that holds the guard: give the queue that client (or one with the same namespace).
   * See docs/queues.md, "Fenced puts". @default no guard
   */
  guard?: Guard;
}

/** Checks {@link PutOptions}; resolves the guard (or `undefined`). */
export function resolvePutOptions(options: PutOptions | undefined, what: string): Guard | undefined {
  return checkGuard(optionsObject(options, what).guard, what);
}
