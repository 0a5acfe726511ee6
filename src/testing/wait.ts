/** Small waiting helpers of the harness: every wait is abortable and leaves no timer or listener behind. */

/** Resolves after `ms` milliseconds; rejects with `signal.reason` when the signal aborts first. */
export function pause(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.reject(signal.reason);
  return new Promise<void>((resolve, reject) => {
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Calls `probe` every `intervalMs` until it returns something other than `undefined`, and resolves with it.
 * Rejects with `timeoutError()` after `timeoutMs`, or with `signal.reason`.
 */
export async function pollUntil<T>(
  probe: () => Promise<T | undefined>,
  options: { timeoutMs: number; intervalMs?: number; signal?: AbortSignal | undefined; timeoutError: () => Error },
): Promise<T> {
  const { timeoutMs, intervalMs = 50, signal } = options;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (signal?.aborted) throw signal.reason;
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() >= deadline) throw options.timeoutError();
    await pause(Math.min(intervalMs, Math.max(0, deadline - Date.now())), signal);
  }
}
