/** Retrying an operation under the client's {@link RetryPolicy} (p-retry: exponential backoff with jitter). */
import pRetry from 'p-retry';
import { waitUntil, type Deadline } from './deadline';
import type { RetryPolicy } from './options';

/**
 * Runs `attempt`; when it fails with an error that `canRetry` accepts, runs it again with exponential backoff
 * (jittered: each pause ×1..2), at most `policy.retries` more times and never past the deadline. The first
 * attempt runs without any retry machinery, so the common case costs nothing extra. An abort or the deadline also ends a
 * backoff pause at once (with `signal.reason`, or the last attempt's error); the attempt that would have
 * followed it then finds the deadline passed and sends nothing.
 */
export async function withRetry<T>(
  policy: Required<RetryPolicy>,
  deadline: Deadline,
  attempt: () => Promise<T>,
  canRetry: (error: unknown) => boolean,
): Promise<T> {
  let lastError: unknown;
  try {
    return await attempt();
  } catch (error) {
    if (policy.retries === 0 || !canRetry(error) || deadline.expired() || deadline.signal?.aborted) throw error;
    lastError = error;
  }
  // p-retry makes its first call at once: the first pause is ours, and its delays start one step later.
  const firstPause = Math.min(policy.maxDelayMs, policy.minDelayMs * (policy.jitter ? 1 + Math.random() : 1));
  await waitUntil<undefined>(
    deadline,
    (done) => {
      const timer = setTimeout(() => done(undefined), firstPause);
      return () => clearTimeout(timer);
    },
    () => lastError as Error,
  );
  const retrying = pRetry(attempt, {
    retries: policy.retries - 1,
    minTimeout: Math.min(policy.maxDelayMs, policy.minDelayMs * policy.factor),
    maxTimeout: policy.maxDelayMs,
    factor: policy.factor,
    randomize: policy.jitter,
    maxRetryTime: deadline.remaining(),
    onFailedAttempt: (error) => {
      lastError = error;
      if (!canRetry(error) || deadline.expired() || deadline.signal?.aborted) throw error;
    },
  });
  if (deadline.at === Infinity && !deadline.signal) return retrying;
  retrying.catch(() => undefined); // settles later when the wait below gave up first
  return waitUntil<T>(
    deadline,
    (done, fail) => {
      retrying.then(done, fail);
      return () => undefined;
    },
    () => lastError as Error,
  );
}
