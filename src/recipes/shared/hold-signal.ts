/**
 * The safety policy of anything held (a lock, a lease, a leadership): one switch from connection states to
 * a {@link LossReason}, and an AbortSignal aborted the moment the holder can no longer be sure it holds.
 */
import type { ConnectionState, StateInfo, ZooKeeperClient } from '../../client/types';
import { HoldLostError, type LossReason } from './errors';

/**
 * `standard` (Curator's default): `suspended` already counts as "not sure". `session`: only a lost session
 * counts. Either way a hold never survives into a new session.
 */
export type SafetyPolicy = 'standard' | 'session';

/** The policies, for option checks. */
export const SAFETY_POLICIES: readonly SafetyPolicy[] = ['standard', 'session'];

/**
 * The one switch every recipe that holds something uses: what a connection state means for a hold under
 * `policy`, or `undefined` when the hold stays. `read-only` is treated as Curator does, as a connection
 * (under the standard policy the `suspended` before it has already ended the hold; under the session policy
 * the session still stands); the hold is only re-confirmed once writes are possible again.
 */
export function lossReasonOf(state: ConnectionState, info: Pick<StateInfo, 'sessionChanged'>, policy: SafetyPolicy): LossReason | undefined {
  switch (state) {
    case 'suspended':
      return policy === 'standard' ? 'suspended' : undefined;
    case 'lost':
      return 'lost';
    case 'reconnected':
      return info.sessionChanged === true ? 'session-changed' : undefined;
    case 'closed':
      return 'closed';
    default:
      return undefined;
  }
}

/**
 * An AbortController tied to the client's connection states under a {@link SafetyPolicy}. The controller
 * (and the error that is its reason) is only made when `signal` is first read: a lock taken and released
 * without anybody looking at its signal — the hot path of a busy lock — pays for neither.
 */
export class HoldSignal {
  private controller: AbortController | undefined;
  private loss: LossReason | undefined;
  private readonly onState: (state: ConnectionState, info: StateInfo) => void;
  /** Told once when the hold is lost (aborted for any reason but `released`): set by the hold it guards. */
  lossListener: { onLoss(reason: LossReason): void } | undefined;

  constructor(
    private readonly client: ZooKeeperClient,
    policy: SafetyPolicy,
    /** The hold in the user's terms, for the error (`Mutex /locks/a`). */
    private readonly what: string,
  ) {
    this.onState = (state, info) => {
      const reason = lossReasonOf(state, info, policy);
      if (reason !== undefined) this.abort(reason);
    };
    client.on('state', this.onState);
    const now = lossReasonOf(client.state, {}, policy);
    if (now !== undefined) this.abort(now);
  }

  /** Aborted (with a {@link HoldLostError}) once the hold is no longer certain. */
  get signal(): AbortSignal {
    if (this.controller === undefined) {
      this.controller = new AbortController();
      if (this.loss !== undefined) this.controller.abort(new HoldLostError(this.what, this.loss));
    }
    return this.controller.signal;
  }

  /** True once the hold is no longer certain (without making the signal). */
  get aborted(): boolean {
    return this.loss !== undefined;
  }

  /** Aborts (once) with a {@link HoldLostError} naming the reason, and stops listening. */
  abort(reason: LossReason): void {
    this.client.off('state', this.onState);
    if (this.loss !== undefined) return;
    this.loss = reason;
    this.controller?.abort(new HoldLostError(this.what, reason));
    if (reason !== 'released') this.lossListener?.onLoss(reason);
  }
}
