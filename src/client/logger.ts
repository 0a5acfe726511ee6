/** Logging: an injected pino-compatible logger (tracing: see `channels.ts`). */

/** The subset of a pino logger the client uses. Silent unless one is given. */
export interface Logger {
  /** Detail for debugging (every state change, retries). */
  debug(object: object, message?: string): void;
  /** Normal events (connected, session changes). */
  info(object: object, message?: string): void;
  /** Trouble that is handled (a lost connection, a failed background delete). */
  warn(object: object, message?: string): void;
  /** Failures nobody else will see (a throwing watch callback). */
  error(object: object, message?: string): void;
}

/** A logger that drops everything. */
export const silentLogger: Logger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};

/** The tracing channels live in `channels.ts` (their catalog); re-exported for the modules that import them from here. */
export { channels } from './channels';
