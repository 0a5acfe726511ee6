/** The `latent → started → closed` state machine of long-lived recipes, as Curator's. */
import { RecipeStateError } from './errors';

/** Lifecycle states. */
export type LifecycleState = 'latent' | 'started' | 'closed';

/** Tracks a recipe's lifecycle and refuses calls made in the wrong state. */
export class Lifecycle {
  private current: LifecycleState = 'latent';

  constructor(private readonly recipe: string) {}

  /** The current state. */
  get state(): LifecycleState {
    return this.current;
  }

  /** latent → started; throws {@link RecipeStateError} on a second start or after close. */
  start(): void {
    if (this.current !== 'latent') throw new RecipeStateError(`${this.recipe}: start() called when ${this.current}`);
    this.current = 'started';
  }

  /** → closed; returns false when it already was closed (so close() can be idempotent). */
  close(): boolean {
    if (this.current === 'closed') return false;
    this.current = 'closed';
    return true;
  }

  /** Throws {@link RecipeStateError} unless started. */
  assertStarted(operation: string): void {
    if (this.current !== 'started') throw new RecipeStateError(`${this.recipe}: ${operation} needs a started recipe (it is ${this.current})`);
  }
}
