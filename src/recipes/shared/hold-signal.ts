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

/**
 * An AbortController tied to the client's connection states under a {@link SafetyPolicy}. The controller
 * (and the Error that is its reason) is only made when `signal` is first read: a lock taken and released
 * without anybody looking at its signal — the hot path of a busy lock — pays for neither.
 */
export class HoldSignal {
  private controller: AbortController | undefined;
  private loss: { reason: HoldLossReason; what: string } | undefined;
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
    if (this.controller === undefined) {
      this.controller = new AbortController();
      if (this.loss) this.controller.abort(lossError(this.loss.reason, this.loss.what));
    }
    return this.controller.signal;
  }

  /** True once the hold is no longer certain (without making the signal). */
  get aborted(): boolean {
    return this.loss !== undefined;
  }

  /** Aborts (once) with an Error naming the reason, and stops listening. */
  abort(reason: HoldLossReason, what: string): void {
    this.client.off('state', this.onState);
    if (this.loss) return;
    this.loss = { reason, what };
    this.controller?.abort(lossError(reason, what));
  }
}

function lossError(reason: HoldLossReason, what: string): Error {
  return new Error(`${what}: no longer held (${reason})`, { cause: reason });
}
