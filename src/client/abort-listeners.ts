/**
 * One `abort` listener per signal, however many waits share it. A service typically passes one shutdown
 * signal to every call it makes; adding a listener per wait would trip Node's MaxListenersExceededWarning
 * past ten concurrent waits and leave the caller's signal with a growing list. Here the signal carries a
 * single listener that calls the callbacks registered at that moment; a wait that ends removes its own.
 */

const callbacksBySignal = new WeakMap<AbortSignal, Set<() => void>>();

/**
 * Calls `callback` once when `signal` aborts (not at all when it already has: check `signal.aborted` first).
 * Returns the function that unregisters it; call it when the wait ends.
 */
export function onAbort(signal: AbortSignal, callback: () => void): () => void {
  let callbacks = callbacksBySignal.get(signal);
  if (callbacks === undefined) {
    const registered = new Set<() => void>();
    callbacks = registered;
    callbacksBySignal.set(signal, registered);
    signal.addEventListener(
      'abort',
      () => {
        callbacksBySignal.delete(signal);
        for (const registeredCallback of [...registered]) registeredCallback();
        registered.clear();
      },
      { once: true },
    );
  }
  const set = callbacks;
  set.add(callback);
  return () => set.delete(callback);
}
