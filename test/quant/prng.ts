/** Seeded random numbers for the quantization tests (mulberry32), so every failure can be replayed by its seed. */
export interface Rng {
  readonly seed: number;
  /** Uniform in [0, 1). */
  next(): number;
  /** Integer in [lo, hi]. */
  int(lo: number, hi: number): number;
  /** Standard normal (Box-Muller). */
  normal(): number;
}

export function makeRng(seed: number): Rng {
  let state = seed >>> 0;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    seed,
    next,
    int: (lo, hi) => lo + Math.floor(next() * (hi - lo + 1)),
    normal: () => Math.sqrt(-2 * Math.log(1 - next())) * Math.cos(2 * Math.PI * next()),
  };
}

/**
 * A weight-like f32 matrix: Gaussian entries, a per-row magnitude spread of about 10x (so per-tensor and
 * per-channel scales differ) and a few 6-sigma outliers (so clipping has something to clip).
 */
export function randomWeights(rng: Rng, rows: number, cols: number, std = 0.05): Float32Array {
  const w = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    const rowScale = std * Math.exp(0.8 * rng.normal());
    for (let k = 0; k < cols; k++) {
      const outlier = rng.next() < 0.01 ? 6 : 1;
      w[r * cols + k] = rowScale * outlier * rng.normal();
    }
  }
  return w;
}

export function randomMatrix(rng: Rng, rows: number, cols: number, std = 1): Float32Array {
  const m = new Float32Array(rows * cols);
  for (let i = 0; i < m.length; i++) m[i] = std * rng.normal();
  return m;
}
