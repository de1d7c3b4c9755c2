/**
 * Per-step error traces as chart series on a shared axis: x = fraction of the generation done after the step
 * (VAR: scale k of K; DiT: step n of N), so a 4-scale VAR and a 50-step DiT can be read together.
 */
import type { ModelFamily } from '../../models/bundle/types';
import type { ComparedRun, StepError } from '../../worker/protocol';

export type TraceMeasure = 'state' | 'prediction' | 'snapped' | 'tokens';

export const TRACE_MEASURES: Record<TraceMeasure, { label: string; var: string; dit: string | null }> = {
  state: { label: 'Error of the running state', var: 'f̂ (accumulated features) rel. L2', dit: 'x_t (latent) rel. L2' },
  prediction: {
    label: 'Error of the model prediction',
    var: 'features before codebook snapping rel. L2',
    dit: 'one-step noise prediction ε rel. L2',
  },
  snapped: { label: 'Error after codebook snapping (VAR)', var: 'features after snapping rel. L2', dit: null },
  tokens: { label: 'Token disagreement (VAR)', var: '1 − fraction of tokens equal to fp32', dit: null },
};

export function stepValue(step: StepError, measure: TraceMeasure): number | undefined {
  if (step.kind === 'var') {
    if (measure === 'state') return step.fHatRelL2;
    if (measure === 'prediction') return step.softRelL2;
    if (measure === 'snapped') return step.snappedRelL2;
    return 1 - step.tokenAgreement;
  }
  if (measure === 'state') return step.xRelL2;
  if (measure === 'prediction') return step.epsRelL2;
  return undefined;
}

export interface TraceSeries {
  readonly name: string;
  readonly family: ModelFamily;
  readonly points: { progress: number; value: number; step: number }[];
}

export function traceSeries(name: string, run: ComparedRun, measure: TraceMeasure): TraceSeries | undefined {
  const points = run.steps.flatMap((s) => {
    const value = stepValue(s, measure);
    return value === undefined || !Number.isFinite(value) ? [] : [{ progress: s.progress, value, step: s.step }];
  });
  if (points.length === 0) return undefined;
  return { name, family: run.steps[0].kind, points };
}

/** Ratio of the last step's error to the first's: above 1 the error grew along the trajectory. */
export function growth(series: TraceSeries): number {
  const first = series.points[0].value;
  const last = series.points[series.points.length - 1].value;
  return first > 0 ? last / first : Number.POSITIVE_INFINITY;
}

/**
 * How many of a VAR run's tokens equal fp32's, over all scales (scale k has patchNum^2 tokens); undefined for
 * DiT. With shared Gumbel-max draws a token differs only where quantisation moved the argmax, so this counts
 * what the codebook did not absorb.
 */
export function tokensKept(steps: readonly StepError[]): { same: number; total: number } | undefined {
  if (steps.length === 0 || steps.some((s) => s.kind !== 'var')) return undefined;
  let same = 0;
  let total = 0;
  for (const s of steps as readonly Extract<StepError, { kind: 'var' }>[]) {
    const n = s.patchNum * s.patchNum;
    same += Math.round(s.tokenAgreement * n);
    total += n;
  }
  return { same, total };
}
