/**
 * The safety policy of anything held (a lock, a leadership): an AbortSignal aborted the moment the holder
 * can no longer be sure it still holds it.
 */
import type { ConnectionState, StateInfo, ZooKeeperClient } from '../../client/types';

/**
 * `standard` (Curator's default): `suspended` already counts as "not sure". `session`: only a lost session
 * counts. Either way a hold never survives into a new session.
 */
export type SafetyPolicy = 'standard' | 'session';

/** Why a hold was given up (the signal's `reason` is an Error with this as `cause`). */
export type HoldLossReason = 'suspended' | 'lost' | 'session-changed' | 'closed' | 'released';

/** An AbortController tied to the client's connection states under a {@link SafetyPolicy}. */
export class HoldSignal {
  private readonly controller = new AbortController();
  private readonly onState: (state: ConnectionState, info: StateInfo) => void;

  constructor(
    private readonly client: ZooKeeperClient,
    policy: SafetyPolicy,
    what: string,
  ) {
    this.onState = (state, info) => {
      if (state === 'suspended' && policy === 'standard') this.abort('suspended', what);
      else if (state === 'lost') this.abort('lost', what);
      else if (state === 'reconnected' && info.sessionChanged) this.abort('session-changed', what);
      else if (state === 'closed') this.abort('closed', what);
    };
    client.on('state', this.onState);
    const now = client.state;
    if (now === 'closed' || now === 'lost' || (now === 'suspended' && policy === 'standard')) this.abort(now === 'suspended' ? 'suspended' : now === 'lost' ? 'lost' : 'closed', what);
  }

  /** Aborted once the hold is no longer certain. */
  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** Aborts (once) with an Error naming the reason, and stops listening. */
  abort(reason: HoldLossReason, what: string): void {
    this.client.off('state', this.onState);
    if (this.controller.signal.aborted) return;
    this.controller.abort(new Error(`${what}: no longer held (${reason})`, { cause: reason }));
  }
}
