/**
 * Clipping-ratio search (RTN with MSE-optimal clipping, as in AWQ's auto_clip): per group, try scales derived
 * from r * range for each candidate r and keep the r with the smallest error. With calibration activations
 * X [tokens, cols] the error is the output error ||X_g (W_g - Wq_g)^T||^2 restricted to the group's input
 * columns g (what the layer's output actually sees); without, the plain weight error ||W_g - Wq_g||^2.
 * r = 1 (plain absmax) is always a candidate and wins ties, so clipping never does worse than no clipping.
 */
import { QuantizationError } from './errors';

export interface ClipSearchOptions {
  /** Candidate ratios in (0, 1]; default 1.0 down to 0.5 in steps of 0.05. 1 is added if missing. */
  readonly ratios?: readonly number[];
  /** Calibration activations X, row-major [tokens, cols] with cols = the weight's input features. */
  readonly calibration?: { readonly x: Float32Array; readonly tokens: number };
}

export const DEFAULT_CLIP_RATIOS: readonly number[] = Array.from(
  { length: 11 },
  (_, i) => Math.round(100 - 5 * i) / 100,
);

/** Validated candidate list, 1 first so that it wins ties. */
export function clipCandidates(options: ClipSearchOptions): number[] {
  const ratios = options.ratios ?? DEFAULT_CLIP_RATIOS;
  for (const r of ratios) {
    if (!(r > 0 && r <= 1))
      throw new QuantizationError(`clip ratio ${r} is outside (0, 1]; pass ratios such as [1, 0.9, 0.8]`);
  }
  return [1, ...ratios.filter((r) => r !== 1)];
}

export function validateCalibration(calibration: ClipSearchOptions['calibration'], cols: number): void {
  if (!calibration) return;
  const { x, tokens } = calibration;
  if (!Number.isInteger(tokens) || tokens < 1 || x.length !== tokens * cols) {
    throw new QuantizationError(
      `calibration activations have ${x.length} values for ${tokens} tokens; expected tokens * cols = ${tokens} * ${cols} (row-major [tokens, cols])`,
    );
  }
  for (let i = 0; i < x.length; i++) {
    if (!Number.isFinite(x[i])) {
      throw new QuantizationError(
        `calibration activation at token ${Math.floor(i / cols)}, col ${i % cols} is ${x[i]}; remove non-finite samples`,
      );
    }
  }
}

/**
 * Error of one candidate. `delta` holds W - Wq for the group, row-major [groupRows, groupCols]; the group's
 * columns start at colStart of a weight with `cols` input features.
 */
export function groupError(
  delta: Float64Array,
  groupRows: number,
  groupCols: number,
  colStart: number,
  cols: number,
  calibration?: ClipSearchOptions['calibration'],
): number {
  let sum = 0;
  if (!calibration) {
    for (let i = 0; i < delta.length; i++) sum += delta[i] * delta[i];
    return sum;
  }
  const { x, tokens } = calibration;
  for (let t = 0; t < tokens; t++) {
    const xBase = t * cols + colStart;
    for (let r = 0; r < groupRows; r++) {
      const dBase = r * groupCols;
      let dot = 0;
      for (let k = 0; k < groupCols; k++) dot += x[xBase + k] * delta[dBase + k];
      sum += dot * dot;
    }
  }
  return sum;
}
