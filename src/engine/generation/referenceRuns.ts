/**
 * The fp32 reference runs of recent requests, per device. A side-by-side request whose (model, class, seed,
 * cfg, steps, sampler) was seen before reuses its fp32 run instead of sampling it again, so changing one
 * setting in the UI costs one quantised run. Only CPU copies are kept (traces, decoded image), plus the
 * tokenizer, which lives as long as the device state that owns this cache.
 */
import type { VarTokenizer } from '../../models/var/varTokenizer';
import type { DitRun } from './familyRuns';
import type { ResolvedRequest } from './generateParams';
import type { DitStepState, VarStepState } from './stepErrors';
import type { RunSummary } from './types';

export interface ReferenceRun {
  readonly summary: RunSummary;
  readonly decoded: boolean;
  readonly varStates?: VarStepState[];
  readonly tokenizer?: VarTokenizer;
  /** DiT: the trajectory (x_t per step) the settings' one-step predictions are evaluated on. */
  readonly ditRun?: DitRun;
  readonly ditStates?: DitStepState[];
}

export function referenceKey(modelId: string, r: ResolvedRequest): string {
  return [modelId, r.label, r.seed, r.cfg, r.steps, r.sampler ?? '-'].join('|');
}

/** Insertion-ordered map that forgets its oldest entries beyond `capacity` (they hold no GPU memory). */
export class ReferenceRuns {
  private readonly runs = new Map<string, ReferenceRun>();

  constructor(readonly capacity = 16) {}

  get(key: string): ReferenceRun | undefined {
    const hit = this.runs.get(key);
    if (hit) {
      this.runs.delete(key);
      this.runs.set(key, hit);
    }
    return hit;
  }

  set(key: string, run: ReferenceRun): void {
    this.runs.delete(key);
    this.runs.set(key, run);
    while (this.runs.size > this.capacity) this.runs.delete(this.runs.keys().next().value as string);
  }

  get size(): number {
    return this.runs.size;
  }
}
