/**
 * Timestep groups of `-tg<k>` (issue 15; PTQ4DiT and Q-DiT observe that a DiT's activation ranges drift across
 * sampling steps): the S steps of one sampling run are cut into groups of k consecutive steps, counted from the
 * first step sampled (the noisiest), so there are ceil(S / k) groups and the last one may be shorter. Each
 * quantised Linear gets one static per-tensor activation scale per group, calibrated on the full-precision model,
 * instead of one scale for every step (k >= S). The PyTorch twin is training/timestep_groups.py (GroupClock); the
 * engine path that switches scales per step builds on this module.
 */
import { calibrateActivationScale } from './activation';
import type { ActivationFormat } from './formats';
import { QuantizationError } from './errors';

/** Groups of a run of `steps` sampling steps at `k` steps per group. */
export function timestepGroupCount(steps: number, k: number): number {
  requireWhole(steps, 'steps');
  requireWhole(k, 'k');
  return Math.ceil(steps / k);
}

/** The group of sampling step `step` (0 = the first step sampled, the noisiest). */
export function timestepGroupOf(step: number, steps: number, k: number): number {
  timestepGroupCount(steps, k);
  if (!Number.isInteger(step) || step < 0 || step >= steps)
    throw new QuantizationError(`step ${step} is outside 0..${steps - 1} of a ${steps}-step run`);
  return Math.floor(step / k);
}

/**
 * One static scale per group from the inputs one Linear saw at each step (`byStep[n]`: the samples recorded at
 * step n). A group whose inputs were all zero borrows the largest group scale, as the PyTorch twin does, rather
 * than dividing by zero; every group must have seen at least one step.
 */
export function timestepGroupScales(
  byStep: readonly (readonly Float32Array[])[],
  k: number,
  format: ActivationFormat,
): number[] {
  const groups = timestepGroupCount(byStep.length, k);
  const scales: (number | undefined)[] = [];
  for (let g = 0; g < groups; g++) {
    const samples = byStep.slice(g * k, (g + 1) * k).flat();
    const allZero = samples.every((s) => s.every((v) => v === 0));
    scales.push(allZero ? undefined : calibrateActivationScale(samples, format));
  }
  const largest = Math.max(...scales.filter((s): s is number => s !== undefined));
  if (!Number.isFinite(largest))
    throw new QuantizationError('calibration saw only zeros at every step; calibrate on real sampling runs');
  return scales.map((s) => s ?? largest);
}

function requireWhole(v: number, name: string): void {
  if (!Number.isInteger(v) || v < 1) throw new QuantizationError(`${name} must be a whole number >= 1, got ${v}`);
}
