/**
 * The respaced diffusion schedule of docs/bundle-format.md (family `dit`), in f64 like the reference, and the
 * per-step coefficients the DDPM / DDIM updates use, rounded to f32 as PyTorch's sampler rounds them
 * (`torch.from_numpy(arr)[t].float()`).
 */
export interface DiffusionConfig {
  readonly betaStart: number;
  readonly betaEnd: number;
  readonly trainSteps: number;
}

/** Coefficients of respaced step i (f32 values). */
export interface StepCoefficients {
  /** Original timestep the model sees (timestep_map[i]). */
  readonly timestep: number;
  /** sqrt(1/acp), sqrt(1/acp - 1). */
  readonly sqrtRecipAcp: number;
  readonly sqrtRecipM1Acp: number;
  /** Posterior mean coefficients of x0 and x_t. */
  readonly coef1: number;
  readonly coef2: number;
  /** log of the clipped posterior variance (min) and log beta (max) for the learned-range variance. */
  readonly minLog: number;
  readonly maxLog: number;
  /** sqrt(acp_prev), sqrt(1 - acp_prev) for DDIM (eta 0). */
  readonly sqrtAcpPrev: number;
  readonly sqrtOneMinusAcpPrev: number;
}

export class DiffusionSchedule {
  readonly steps: number;
  readonly timestepMap: Int32Array;
  /** Respaced betas (f64). */
  readonly betas: Float64Array;
  private readonly coefficients: StepCoefficients[];

  constructor(config: DiffusionConfig, sampleSteps: number) {
    if (!Number.isInteger(sampleSteps) || sampleSteps < 1 || sampleSteps > config.trainSteps) {
      throw new RangeError(`sampling steps ${sampleSteps} must be an integer in 1..${config.trainSteps}`);
    }
    const T = config.trainSteps;
    const acpBase = new Float64Array(T);
    let prod = 1;
    // np.linspace(start, end, T) as numpy computes it: i * step + start, the last value exactly `end`.
    const step = T === 1 ? 0 : (config.betaEnd - config.betaStart) / (T - 1);
    for (let i = 0; i < T; i++) {
      const beta = i === T - 1 ? config.betaEnd : i * step + config.betaStart;
      prod *= 1 - beta;
      acpBase[i] = prod;
    }
    const use = respacedTimesteps(T, sampleSteps);
    this.steps = use.length;
    this.timestepMap = Int32Array.from(use);
    this.betas = new Float64Array(use.length);
    let last = 1;
    use.forEach((t, j) => {
      this.betas[j] = 1 - acpBase[t] / last;
      last = acpBase[t];
    });
    const S = use.length;
    const acp = new Float64Array(S);
    prod = 1;
    for (let j = 0; j < S; j++) acp[j] = prod *= 1 - this.betas[j];
    const acpPrev = (j: number) => (j === 0 ? 1 : acp[j - 1]);
    const postVar = (j: number) => (this.betas[j] * (1 - acpPrev(j))) / (1 - acp[j]);
    const f = Math.fround;
    this.coefficients = use.map((t, j) => ({
      timestep: t,
      sqrtRecipAcp: f(Math.sqrt(1 / acp[j])),
      sqrtRecipM1Acp: f(Math.sqrt(1 / acp[j] - 1)),
      coef1: f((this.betas[j] * Math.sqrt(acpPrev(j))) / (1 - acp[j])),
      coef2: f(((1 - acpPrev(j)) * Math.sqrt(1 - this.betas[j])) / (1 - acp[j])),
      // posterior_log_variance_clipped: entry 0 (a zero variance) replaced by entry 1.
      minLog: f(Math.log(S > 1 ? postVar(j === 0 ? 1 : j) : postVar(0))),
      maxLog: f(Math.log(this.betas[j])),
      // torch: sqrt of the f32-rounded acp_prev.
      sqrtAcpPrev: f(Math.sqrt(f(acpPrev(j)))),
      sqrtOneMinusAcpPrev: f(Math.sqrt(f(1 - f(acpPrev(j))))),
    }));
  }

  /** Coefficients of respaced step i (sampling goes i = steps-1 .. 0). */
  at(i: number): StepCoefficients {
    const c = this.coefficients[i];
    if (!c) throw new RangeError(`step ${i} is outside 0..${this.steps - 1}`);
    return c;
  }
}

/** sorted({round(i * (T-1)/(S-1))}) with Python's round (half to even). */
export function respacedTimesteps(trainSteps: number, sampleSteps: number): number[] {
  if (sampleSteps === 1) return [0];
  const stride = (trainSteps - 1) / (sampleSteps - 1);
  const set = new Set<number>();
  for (let i = 0; i < sampleSteps; i++) set.add(roundHalfEven(i * stride));
  return [...set].sort((a, b) => a - b);
}

function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}
