/**
 * DiT's diffusion schedule (f64, written from the DiT / improved-diffusion papers and docs/bundle-format.md):
 * linear betas 1e-4 .. 0.02 over 1000 training steps, respaced to S sampling steps with the official
 * single-section `space_timesteps` rule, the SpacedDiffusion betas, posterior coefficients, and the per-step
 * coefficients the DDPM / DDIM step kernels take as uniforms (rounded to f32 there, as PyTorch rounds them
 * when it indexes its f64 arrays into f32 tensors).
 */

/** np.linspace(scale * 1e-4, scale * 0.02, steps), scale = 1000 / steps (numpy: i * step + start, last = stop). */
export function linearBetas(steps = 1000): Float64Array {
  const scale = 1000 / steps;
  const start = scale * 0.0001;
  const stop = scale * 0.02;
  const step = (stop - start) / (steps - 1);
  const betas = Float64Array.from({ length: steps }, (_, i) => i * step + start);
  if (steps > 1) betas[steps - 1] = stop;
  return betas;
}

/** Python's round(): nearest integer, halves to even. */
export function roundHalfEven(x: number): number {
  const floor = Math.floor(x);
  const diff = x - floor;
  if (diff > 0.5) return floor + 1;
  if (diff < 0.5) return floor;
  return floor % 2 === 0 ? floor : floor + 1;
}

/**
 * The official respacing for one section: stride = (T-1)/(S-1), indices round(0), round(stride),
 * round(stride + stride), ... with the stride ADDED repeatedly (as improved-diffusion's respace.py does; this
 * differs from round(i * stride) at exact .5 ties, e.g. S = 21 gives 499 here and 500 there). Sorted, unique.
 */
export function spaceTimesteps(numTimesteps: number, count: number): number[] {
  if (!Number.isInteger(count) || count < 1 || count > numTimesteps) {
    throw new RangeError(`cannot space ${numTimesteps} timesteps into ${count} steps; pick 1..${numTimesteps}`);
  }
  const stride = count <= 1 ? 1 : (numTimesteps - 1) / (count - 1);
  const taken = new Set<number>();
  let cursor = 0;
  for (let i = 0; i < count; i++) {
    taken.add(roundHalfEven(cursor));
    cursor += stride;
  }
  return [...taken].sort((a, b) => a - b);
}

/**
 * How sampling steps pick training timesteps: 'uniform' is spaceTimesteps above (improved-diffusion's section
 * rule with one section, what our bundles and the official DDPM sampler use); 'ddimN' is the official
 * `space_timesteps(T, "ddimN")`: the smallest integer stride whose range(0, T, stride) has exactly N entries.
 */
export type TimestepSpacing = 'uniform' | 'ddimN';

/**
 * The official "ddimN" spacing: 0, stride, 2 stride, ... below T, for the smallest stride giving exactly `count`
 * timesteps. Not every count has one (with T = 1000: 250, 100, 50 and 25 do; 300 does not), and then this throws
 * with the nearest counts that work.
 */
export function ddimStrideTimesteps(numTimesteps: number, count: number): number[] {
  if (!Number.isInteger(count) || count < 1 || count > numTimesteps) {
    throw new RangeError(`cannot space ${numTimesteps} timesteps into ${count} steps; pick 1..${numTimesteps}`);
  }
  const lengthOf = (stride: number) => Math.ceil(numTimesteps / stride);
  for (let stride = 1; stride < numTimesteps; stride++) {
    if (lengthOf(stride) === count) return Array.from({ length: count }, (_, i) => i * stride);
  }
  // The official loop stops before stride T, so a single step (stride T) is refused there too.
  const reachable = [...new Set(Array.from({ length: numTimesteps - 1 }, (_, i) => lengthOf(i + 1)))];
  const below = Math.max(...reachable.filter((c) => c < count), -1);
  const above = Math.min(...reachable.filter((c) => c > count), Infinity);
  const near = [below, above].filter((c) => c > 0 && Number.isFinite(c)).join(' or ');
  throw new RangeError(
    `no integer stride spaces ${numTimesteps} timesteps into exactly ${count} DDIM steps (official "ddim${count}"); ${near ? `${near} steps work` : 'pick another count'}`,
  );
}

export function spacedTimesteps(numTimesteps: number, count: number, spacing: TimestepSpacing = 'uniform'): number[] {
  return spacing === 'ddimN' ? ddimStrideTimesteps(numTimesteps, count) : spaceTimesteps(numTimesteps, count);
}

export interface DiffusionSchedule {
  readonly steps: number;
  /** Original timestep of each respaced step (what the model receives as t). */
  readonly timestepMap: readonly number[];
  readonly betas: Float64Array;
  readonly alphasCumprod: Float64Array;
  readonly alphasCumprodPrev: Float64Array;
  readonly sqrtRecipAlphasCumprod: Float64Array;
  readonly sqrtRecipm1AlphasCumprod: Float64Array;
  readonly posteriorVariance: Float64Array;
  /** log of the posterior variance with entry 0 (which is 0) replaced by entry 1. */
  readonly posteriorLogVarianceClipped: Float64Array;
  readonly posteriorMeanCoef1: Float64Array;
  readonly posteriorMeanCoef2: Float64Array;
}

export function scheduleFromBetas(betas: Float64Array, timestepMap: readonly number[]): DiffusionSchedule {
  const n = betas.length;
  const map = (f: (i: number) => number) => Float64Array.from({ length: n }, (_, i) => f(i));
  const alphasCumprod = new Float64Array(n);
  let product = 1;
  for (let i = 0; i < n; i++) alphasCumprod[i] = product *= 1 - betas[i];
  const alphasCumprodPrev = map((i) => (i === 0 ? 1 : alphasCumprod[i - 1]));
  const posteriorVariance = map((i) => (betas[i] * (1 - alphasCumprodPrev[i])) / (1 - alphasCumprod[i]));
  return {
    steps: n,
    timestepMap,
    betas,
    alphasCumprod,
    alphasCumprodPrev,
    sqrtRecipAlphasCumprod: map((i) => Math.sqrt(1 / alphasCumprod[i])),
    sqrtRecipm1AlphasCumprod: map((i) => Math.sqrt(1 / alphasCumprod[i] - 1)),
    posteriorVariance,
    // Index 0 borrows index 1's variance (its own is 0). A one-step schedule has no index 1; its only step is the
    // last one, which adds no noise, so any finite value works there: log(beta_0), the learned range's max.
    posteriorLogVarianceClipped: map((i) =>
      Math.log(i > 0 ? posteriorVariance[i] : n > 1 ? posteriorVariance[1] : betas[0]),
    ),
    posteriorMeanCoef1: map((i) => (betas[i] * Math.sqrt(alphasCumprodPrev[i])) / (1 - alphasCumprod[i])),
    posteriorMeanCoef2: map((i) => ((1 - alphasCumprodPrev[i]) * Math.sqrt(1 - betas[i])) / (1 - alphasCumprod[i])),
  };
}

/** The linear schedule of `trainSteps` respaced to `sampleSteps` (SpacedDiffusion: betas 1 - acp[t_j] / acp[t_{j-1}]). */
export function respacedSchedule(
  sampleSteps: number,
  trainSteps = 1000,
  spacing: TimestepSpacing = 'uniform',
): DiffusionSchedule {
  const base = scheduleFromBetas(linearBetas(trainSteps), []);
  const use = spacedTimesteps(trainSteps, sampleSteps, spacing);
  let last = 1;
  const betas = Float64Array.from(use, (t) => {
    const beta = 1 - base.alphasCumprod[t] / last;
    last = base.alphasCumprod[t];
    return beta;
  });
  return scheduleFromBetas(betas, use);
}

/** Uniform coefficients of one ancestral DDPM step at respaced index i (DdpmStepKernel). */
export interface DdpmCoefficients {
  readonly sqrtRecipAlphaCumprod: number;
  readonly sqrtRecipm1AlphaCumprod: number;
  readonly posteriorMeanCoef1: number;
  readonly posteriorMeanCoef2: number;
  /** Learned range: log variance = frac * maxLog + (1 - frac) * minLog, frac = (v + 1) / 2. */
  readonly minLog: number;
  readonly maxLog: number;
  /** 0 at the last step (i = 0), else 1. */
  readonly noiseScale: number;
}

export function ddpmCoefficients(s: DiffusionSchedule, i: number): DdpmCoefficients {
  checkIndex(s, i);
  return {
    sqrtRecipAlphaCumprod: s.sqrtRecipAlphasCumprod[i],
    sqrtRecipm1AlphaCumprod: s.sqrtRecipm1AlphasCumprod[i],
    posteriorMeanCoef1: s.posteriorMeanCoef1[i],
    posteriorMeanCoef2: s.posteriorMeanCoef2[i],
    minLog: s.posteriorLogVarianceClipped[i],
    maxLog: Math.log(s.betas[i]),
    noiseScale: i === 0 ? 0 : 1,
  };
}

/** Uniform coefficients of one DDIM step at respaced index i (DdimStepKernel); eta 0 is deterministic. */
export interface DdimCoefficients {
  readonly sqrtRecipAlphaCumprod: number;
  readonly sqrtRecipm1AlphaCumprod: number;
  readonly sqrtAlphaCumprodPrev: number;
  /** sqrt(1 - acp_prev - sigma^2): weight of the re-derived eps. */
  readonly directionCoef: number;
  /** sigma, or 0 at i = 0 / eta = 0 (then no noise is read). */
  readonly noiseScale: number;
}

export function ddimCoefficients(s: DiffusionSchedule, i: number, eta = 0): DdimCoefficients {
  checkIndex(s, i);
  const a = s.alphasCumprod[i];
  const aPrev = s.alphasCumprodPrev[i];
  const sigma = eta * Math.sqrt((1 - aPrev) / (1 - a)) * Math.sqrt(1 - a / aPrev);
  return {
    sqrtRecipAlphaCumprod: s.sqrtRecipAlphasCumprod[i],
    sqrtRecipm1AlphaCumprod: s.sqrtRecipm1AlphasCumprod[i],
    sqrtAlphaCumprodPrev: Math.sqrt(aPrev),
    directionCoef: Math.sqrt(Math.max(0, 1 - aPrev - sigma * sigma)),
    noiseScale: eta > 0 && i > 0 ? sigma : 0,
  };
}

function checkIndex(s: DiffusionSchedule, i: number): void {
  if (!Number.isInteger(i) || i < 0 || i >= s.steps)
    throw new RangeError(`step index ${i} is outside 0..${s.steps - 1}`);
}
