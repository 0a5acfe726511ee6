/**
 * Credentials held by the client stay out of what it shows: `util.inspect` (of the client, its options,
 * its transport's state) and JSON (a pino logger serialises objects with it) print `<redacted>` in place
 * of a password or key, and the client prints a summary of itself instead of its internals.
 */
import { inspect } from 'node:util';
import type { AuthInfo } from './types';

/** What is printed in place of a secret. */
const REDACTED = '<redacted>';

/** A copy of `auth` whose secret part (`user:password` for digest) `util.inspect` and JSON do not show. */
export function redactedAuth(auth: AuthInfo): AuthInfo {
  const { scheme } = auth;
  const held: AuthInfo = { scheme, auth: auth.auth };
  Object.defineProperties(held, {
    [inspect.custom]: { value: () => `AuthInfo { scheme: ${JSON.stringify(scheme)}, auth: ${REDACTED} }` },
    toJSON: { value: () => ({ scheme, auth: REDACTED }) },
  });
  return held;
}
