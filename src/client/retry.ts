/** Retrying an operation under the client's {@link RetryPolicy} (p-retry: exponential backoff with jitter). */
import pRetry from 'p-retry';
import type { Deadline } from './deadline';
import type { RetryPolicy } from './options';

/**
 * Runs `attempt`; when it fails with an error that `canRetry` accepts, runs it again with exponential backoff
 * (jittered), at most `policy.retries` more times and never past the deadline. The first attempt runs
 * without any retry machinery, so the common case costs nothing extra.
 */
export async function withRetry<T>(
  policy: Required<RetryPolicy>,
  deadline: Deadline,
  attempt: () => Promise<T>,
  canRetry: (error: unknown) => boolean,
): Promise<T> {
  try {
    return await attempt();
  } catch (error) {
    if (policy.retries === 0 || !canRetry(error) || deadline.expired() || deadline.signal?.aborted) throw error;
  }
  return pRetry(attempt, {
    retries: policy.retries - 1,
    minTimeout: policy.minDelayMs,
    maxTimeout: policy.maxDelayMs,
    factor: policy.factor,
    randomize: policy.jitter,
    maxRetryTime: deadline.remaining(),
    onFailedAttempt: (error) => {
      if (!canRetry(error) || deadline.expired() || deadline.signal?.aborted) throw error;
    },
  });
}
