import { describe, expect, it } from 'vitest';
import {
  DEFAULT_CLIP_RATIOS,
  QuantizationError,
  dequantizeWeight,
  formatName,
  granularityName,
  quantizeWeight,
  type Granularity,
  type WeightFormat,
} from '../../src/quant';
import { ALL_WEIGHT_FORMATS } from './cases';
import { makeRng, randomMatrix, randomWeights } from './prng';

function weightSse(w: Float32Array, d: Float32Array): number {
  let sum = 0;
  for (let i = 0; i < w.length; i++) sum += (w[i] - d[i]) ** 2;
  return sum;
}

/** ||X W^T - X Wq^T||^2 in f64, optionally restricted to columns [c0, c1) of each row. */
function outputSse(
  x: Float32Array,
  tokens: number,
  w: Float32Array,
  d: Float32Array,
  rows: number,
  cols: number,
  c0 = 0,
  c1 = cols,
): number {
  let sum = 0;
  for (let t = 0; t < tokens; t++) {
    for (let r = 0; r < rows; r++) {
      let dot = 0;
      for (let k = c0; k < c1; k++) dot += x[t * cols + k] * (w[r * cols + k] - d[r * cols + k]);
      sum += dot * dot;
    }
  }
  return sum;
}

/** Sum over groups of the group-restricted output error: what the search minimises for group granularity. */
function groupedOutputSse(
  x: Float32Array,
  tokens: number,
  w: Float32Array,
  d: Float32Array,
  rows: number,
  cols: number,
  size: number,
): number {
  let sum = 0;
  for (let c0 = 0; c0 < cols; c0 += size) sum += outputSse(x, tokens, w, d, rows, cols, c0, Math.min(cols, c0 + size));
  return sum;
}

/** Heavy-tailed weights (Student-t with 3 degrees of freedom), where absmax scales waste most of the grid. */
function heavyTailed(seed: number, rows: number, cols: number): Float32Array {
  const rng = makeRng(seed);
  return new Float32Array(rows * cols).map(() => {
    const z = rng.normal();
    const chi2 = rng.normal() ** 2 + rng.normal() ** 2 + rng.normal() ** 2;
    return (0.02 * z) / Math.sqrt(chi2 / 3);
  });
}

describe('clipping search', () => {
  it('defaults to ratios 1.0 down to 0.5 in steps of 0.05', () => {
    expect(DEFAULT_CLIP_RATIOS).toEqual([1, 0.95, 0.9, 0.85, 0.8, 0.75, 0.7, 0.65, 0.6, 0.55, 0.5]);
  });

  it('never does worse than plain absmax on weight error, for every format', () => {
    const seed = 8801;
    const [rows, cols] = [12, 100];
    const w = heavyTailed(seed, rows, cols);
    const granularities: Granularity[] = [{ kind: 'tensor' }, { kind: 'channel' }, { kind: 'group', size: 32 }];
    for (const format of ALL_WEIGHT_FORMATS) {
      for (const granularity of granularities) {
        const plain = weightSse(w, dequantizeWeight(quantizeWeight(w, rows, cols, format, granularity)));
        const clipped = weightSse(
          w,
          dequantizeWeight(quantizeWeight(w, rows, cols, format, granularity, { clip: {} })),
        );
        expect(clipped, `seed ${seed}, ${formatName(format)} ${granularityName(granularity)}`).toBeLessThanOrEqual(
          plain,
        );
      }
    }
  });

  it('clearly reduces low-bit error on heavy-tailed weights', () => {
    const seed = 8802;
    const [rows, cols] = [32, 256];
    const w = heavyTailed(seed, rows, cols);
    const int3: WeightFormat = { kind: 'int', bits: 3, symmetric: true };
    const plain = weightSse(w, dequantizeWeight(quantizeWeight(w, rows, cols, int3, { kind: 'channel' })));
    const clipped = weightSse(
      w,
      dequantizeWeight(quantizeWeight(w, rows, cols, int3, { kind: 'channel' }, { clip: {} })),
    );
    expect(clipped / plain, `seed ${seed}`).toBeLessThan(0.8);
  });

  it('with calibration activations, minimises the output error and never loses to absmax or to the weight-error search', () => {
    const seed = 8803;
    const rng = makeRng(seed);
    const [rows, cols, tokens] = [16, 96, 32];
    const w = randomWeights(rng, rows, cols);
    // Anisotropic activations: a few input channels are 20x larger, as in real transformer activations.
    const x = randomMatrix(rng, tokens, cols);
    for (let t = 0; t < tokens; t++) for (const k of [3, 40, 77]) x[t * cols + k] *= 20;
    const formats: WeightFormat[] = [
      { kind: 'int', bits: 3, symmetric: true },
      { kind: 'int', bits: 4, symmetric: false },
      { kind: 'fp', name: 'e2m1' },
    ];
    let strictlyBetterThanWeightSearch = 0;
    for (const format of formats) {
      for (const granularity of [{ kind: 'channel' }, { kind: 'group', size: 32 }] as Granularity[]) {
        const where = `seed ${seed}, ${formatName(format)} ${granularityName(granularity)}`;
        const err = (d: Float32Array) =>
          granularity.kind === 'group'
            ? groupedOutputSse(x, tokens, w, d, rows, cols, granularity.size)
            : outputSse(x, tokens, w, d, rows, cols);
        const plain = err(dequantizeWeight(quantizeWeight(w, rows, cols, format, granularity)));
        const byWeight = err(dequantizeWeight(quantizeWeight(w, rows, cols, format, granularity, { clip: {} })));
        const byOutput = err(
          dequantizeWeight(
            quantizeWeight(w, rows, cols, format, granularity, { clip: { calibration: { x, tokens } } }),
          ),
        );
        expect(byOutput, where).toBeLessThanOrEqual(plain * (1 + 1e-12));
        expect(byOutput, where).toBeLessThanOrEqual(byWeight * (1 + 1e-12));
        if (byOutput < byWeight * 0.999) strictlyBetterThanWeightSearch++;
      }
    }
    expect(strictlyBetterThanWeightSearch, 'the calibrated objective changes the choice somewhere').toBeGreaterThan(0);
  });

  it('always includes ratio 1 and validates ratios and calibration shapes', () => {
    const seed = 8804;
    const w = randomWeights(makeRng(seed), 4, 64);
    const int4: WeightFormat = { kind: 'int', bits: 4, symmetric: true };
    // Only 0.5 offered: on Gaussian weights halving the range is worse everywhere, so 1 must still win.
    const plain = quantizeWeight(w, 4, 64, int4, { kind: 'channel' });
    const halfOnly = quantizeWeight(w, 4, 64, int4, { kind: 'channel' }, { clip: { ratios: [0.5] } });
    expect(Array.from(halfOnly.scales), `seed ${seed}`).toEqual(Array.from(plain.scales));
    expect(() => quantizeWeight(w, 4, 64, int4, { kind: 'channel' }, { clip: { ratios: [0] } })).toThrow(
      QuantizationError,
    );
    expect(() => quantizeWeight(w, 4, 64, int4, { kind: 'channel' }, { clip: { ratios: [1.5] } })).toThrow(
      /outside \(0, 1\]/,
    );
    expect(() =>
      quantizeWeight(
        w,
        4,
        64,
        int4,
        { kind: 'channel' },
        { clip: { calibration: { x: new Float32Array(63), tokens: 1 } } },
      ),
    ).toThrow(/tokens \* cols/);
  });
});
