/**
 * "Measure as I change": watches the playground's active column and re-measures it after each change. A change
 * cancels the measurement in flight at once (its numbers belong to a setting no longer shown) and starts the new
 * one only after the controls have been still for `delayMs`, so stepping through bits or clicking several
 * controls starts one measurement, not one per click.
 */
import { targetKey, type ColumnTarget } from './playgroundLink';

/** A few hundred ms: longer than between two clicks of a select, shorter than a user waits for a reaction. */
export const FOLLOW_DELAY_MS = 400;

export interface FollowActions {
  /** Start measuring `target` (the lane cancels whatever still runs). */
  measure(target: ColumnTarget): void;
  /** Cancel the measurement in flight, if any. */
  cancel(): void;
}

export interface Timers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

const realTimers: Timers = {
  setTimeout: (fn, ms) => globalThis.setTimeout(fn, ms),
  clearTimeout: (handle) => globalThis.clearTimeout(handle as ReturnType<typeof setTimeout>),
};

export class LiveFollower {
  private key = '';
  private pending: unknown;

  constructor(
    private readonly actions: FollowActions,
    private readonly delayMs = FOLLOW_DELAY_MS,
    private readonly timers: Timers = realTimers,
  ) {}

  /**
   * Called on every store change. `on`: the toggle; `target`: the active column now. Only a change of the
   * (model, setting) measured, or of the toggle, does anything. Turning it off stops the pending start but
   * leaves a running measurement to finish (its Cancel button still works).
   */
  update(on: boolean, target: ColumnTarget | undefined): void {
    const measurable = on && target?.modelId !== undefined ? target : undefined;
    const key = measurable ? targetKey(measurable) : '';
    if (key === this.key) return;
    const wasFollowing = this.key !== '';
    this.key = key;
    if (this.pending !== undefined) this.timers.clearTimeout(this.pending);
    this.pending = undefined;
    if (!measurable) return;
    // The run in flight measures the previous pick: stale from this moment, so it stops now, not after the wait.
    if (wasFollowing) this.actions.cancel();
    this.pending = this.timers.setTimeout(() => {
      this.pending = undefined;
      this.actions.measure(measurable);
    }, this.delayMs);
  }
}
