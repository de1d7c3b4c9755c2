import { describe, expect, it } from 'vitest';
import {
  codeValue,
  dequantizeWeight,
  f16BitsToF32,
  formatName,
  granularityName,
  quantizeWeight,
  unpackCode,
  type Granularity,
  type PackedWeight,
  type WeightFormat,
} from '../../src/quant';
import { ALL_GRANULARITIES, ALL_WEIGHT_FORMATS, SHAPES } from './cases';
import { naivePackCodes, naiveQuantizeWeight, type NaiveQuantized } from './naive';
import { makeRng, randomMatrix, randomWeights } from './prng';

function expectSameAsNaive(p: PackedWeight, naive: NaiveQuantized, where: string): void {
  const groups = (p.granularity.kind === 'tensor' ? 1 : p.rows) * p.groupsPerRow;
  expect(Array.from(p.scales.subarray(0, groups)), `${where}: scales`).toEqual(naive.scaleBits);
  expect(Array.from(p.offsets?.subarray(0, groups) ?? []), `${where}: offsets`).toEqual(naive.offsetBits);
  const codes = Array.from({ length: p.rows * p.cols }, (_, i) =>
    unpackCode(p.codes, Math.floor(i / p.cols), i % p.cols, p.wordsPerRow, p.bits),
  );
  expect(codes, `${where}: codes`).toEqual(naive.codes);
  expect(Array.from(p.codes), `${where}: packed words`).toEqual(
    Array.from(naivePackCodes(naive.codes, p.rows, p.cols, p.bits)),
  );
  // Dequantisation: value(code) * scale + offset in f32, element by element from the naive codes and scales.
  const d = dequantizeWeight(p);
  for (let i = 0; i < d.length; i++) {
    const r = Math.floor(i / p.cols);
    const g = (p.granularity.kind === 'tensor' ? 0 : r) * p.groupsPerRow + Math.floor((i % p.cols) / p.groupSize);
    const s = f16BitsToF32(naive.scaleBits[g]);
    const o = naive.offsetBits.length ? f16BitsToF32(naive.offsetBits[g]) : 0;
    const expected = Math.fround(Math.fround(codeValue(p.format, naive.codes[i]) * s) + o);
    if (d[i] !== expected) expect(d[i], `${where}: dequant of element ${i}`).toBe(expected);
  }
}

describe('quantizeWeight agrees bit for bit with the brute-force reference', () => {
  for (const [rows, cols] of SHAPES) {
    it(`plain round-to-nearest, every format and granularity, ${rows}x${cols}`, () => {
      const seed = 6600 + cols;
      const w = randomWeights(makeRng(seed), rows, cols);
      for (const format of ALL_WEIGHT_FORMATS) {
        for (const granularity of ALL_GRANULARITIES) {
          const where = `seed ${seed}, ${formatName(format)} ${granularityName(granularity)} ${rows}x${cols}`;
          expectSameAsNaive(
            quantizeWeight(w, rows, cols, format, granularity),
            naiveQuantizeWeight(w, rows, cols, format, granularity),
            where,
          );
        }
      }
    }, 60_000); // the brute-force reference takes seconds at 64x256 with 256-code formats
  }

  it('with the clipping search, on weight error and on calibrated output error', () => {
    const seed = 6701;
    const rng = makeRng(seed);
    const [rows, cols, tokens] = [9, 100, 16];
    const w = randomWeights(rng, rows, cols);
    const x = randomMatrix(rng, tokens, cols);
    const formats: WeightFormat[] = [
      { kind: 'int', bits: 3, symmetric: true },
      { kind: 'int', bits: 4, symmetric: false },
      { kind: 'fp', name: 'e2m1' },
      { kind: 'fp', name: 'e3m2' },
    ];
    const granularities: Granularity[] = [{ kind: 'tensor' }, { kind: 'channel' }, { kind: 'group', size: 32 }];
    const ratios = [1, 0.95, 0.9, 0.85, 0.8, 0.75, 0.7, 0.65, 0.6, 0.55, 0.5];
    for (const format of formats) {
      for (const granularity of granularities) {
        for (const calibration of [undefined, { x, tokens }]) {
          const where = `seed ${seed}, ${formatName(format)} ${granularityName(granularity)} ${calibration ? 'output' : 'weight'} error`;
          const p = quantizeWeight(w, rows, cols, format, granularity, { clip: { calibration } });
          expectSameAsNaive(p, naiveQuantizeWeight(w, rows, cols, format, granularity, { ratios, calibration }), where);
        }
      }
    }
  }, 60_000);
});
