/** Logging and tracing: an injected pino-compatible logger, and diagnostics_channel channels. */
import diagnostics from 'node:diagnostics_channel';

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

/**
 * Channels published to (only when subscribed): `zk-recipes:op` with `{ operation, path, sessionId, durationMs,
 * error? }` after every operation, and `zk-recipes:state` with `{ state, sessionId }`. Never data or auth.
 */
export const channels = {
  op: diagnostics.channel('zk-recipes:op'),
  state: diagnostics.channel('zk-recipes:state'),
};
