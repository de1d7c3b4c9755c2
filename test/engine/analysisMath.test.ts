/**
 * The analysis views' pure logic on fresh random inputs (the seed is printed in every failure message):
 * histogram binning against a naive edge scan, code grids, per-group normalisation against the quantiser's own
 * dequantised values, per-channel statistics against a naive loop, and the SNR arithmetic.
 */
import { describe, expect, it } from 'vitest';
import { makeRng } from '../quant/prng';
import { ALL_GRANULARITIES, ALL_WEIGHT_FORMATS } from '../quant/cases';
import { dequantizeWeight, formatName, granularityName, quantizeWeight } from '../../src/quant';
import {
  codeGrid,
  groupCount,
  groupDequantGrid,
  groupRegion,
  histogram,
  normalisedWeights,
} from '../../src/engine/analysis/weightGrid';
import { channelStats, maxOverMedian, median } from '../../src/engine/analysis/channelStats';
import { addNoiseAtSnr, changedFraction, meanSquare, noiseSigma, outputSnrDb } from '../../src/engine/analysis/snrMath';
import { Pcg32 } from '../../src/models/runtime/prng';

// ANALYSIS_TEST_SEED=N repeats a failing run.
const seed = Number(process.env.ANALYSIS_TEST_SEED ?? (Math.random() * 2 ** 31) >>> 0);
const rng = makeRng(seed);
const at = `seed ${seed}`;
const normals = (n: number, std = 1) => Float32Array.from({ length: n }, () => rng.normal() * std);

describe('histogram', () => {
  it('puts every value in the bin whose edges hold it, and counts the rest as outside', () => {
    const values = normals(5000, 2);
    const bins = rng.int(3, 80);
    const range: [number, number] = [rng.normal() - 2, rng.normal() + 2];
    const h = histogram(values, bins, range);
    const naive = new Array<number>(bins).fill(0);
    let outside = 0;
    for (const v of values) {
      if (v < range[0] || v > range[1]) {
        outside++;
        continue;
      }
      let b = 0;
      while (b < bins - 1 && v >= h.edges[b + 1]!) b++;
      naive[b]!++;
    }
    expect(h.edges).toHaveLength(bins + 1);
    expect(h.edges[0]).toBe(range[0]);
    expect(h.edges[bins]).toBeCloseTo(range[1], 12);
    // Values within rounding of an inner edge may fall either side; allow one per edge.
    const moved = h.counts.reduce((s, c, i) => s + Math.abs(c - naive[i]!), 0);
    expect(moved, at).toBeLessThanOrEqual(2 * (bins - 1));
    expect(h.outside, at).toBe(outside);
    expect(h.counts.reduce((a, b) => a + b, 0) + h.outside).toBe(values.length);
  });

  it('defaults to the min..max range with nothing outside; the maximum lands in the last bin', () => {
    const values = normals(777);
    const h = histogram(values, 10);
    expect(h.outside).toBe(0);
    expect(h.edges[0]).toBe(Math.min(...values));
    expect(h.counts[9]).toBeGreaterThanOrEqual(1);
    expect(h.counts.reduce((a, b) => a + b, 0)).toBe(777);
  });
});

describe('code grids and per-group normalisation', () => {
  it('codeGrid lists the values codes decode to', () => {
    expect(codeGrid({ kind: 'int', bits: 3, symmetric: true })).toEqual([-4, -3, -2, -1, 0, 1, 2, 3]);
    expect(codeGrid({ kind: 'int', bits: 2, symmetric: false })).toEqual([0, 1, 2, 3]);
    expect(codeGrid({ kind: 'fp', name: 'e2m1' })).toEqual([
      -6, -4, -3, -2, -1.5, -1, -0.5, 0, 0.5, 1, 1.5, 2, 3, 4, 6,
    ]);
    // E4M3: 256 codes, two NaNs, +0 and -0 merge: 253 values.
    expect(codeGrid({ kind: 'fp', name: 'e4m3' })).toHaveLength(253);
  });

  for (const format of ALL_WEIGHT_FORMATS) {
    for (const granularity of ALL_GRANULARITIES) {
      it(`${formatName(format)} ${granularityName(granularity)}: normalised weights snap to the grid point the quantiser chose`, () => {
        const rows = rng.int(2, 9);
        const cols = rng.int(40, 200);
        const w = normals(rows * cols, 0.05);
        const packed = quantizeWeight(w, rows, cols, format, granularity);
        const deq = dequantizeWeight(packed);
        const grid = codeGrid(format);
        // Groups tile the matrix exactly once.
        let covered = 0;
        for (let g = 0; g < groupCount(packed); g++) {
          const r = groupRegion(packed, g);
          covered += (r.rowEnd - r.rowStart) * (r.colEnd - r.colStart);
        }
        expect(covered).toBe(rows * cols);
        // Group by group: nearest grid point x scale + offset is the dequantised weight.
        let worst = 0;
        for (let g = 0; g < groupCount(packed); g++) {
          const r = groupRegion(packed, g);
          const u = normalisedWeights(w, packed, g);
          const values = groupDequantGrid(packed, g);
          if (r.scale === 0) {
            // A group whose weights are all equal (e.g. one column left over at the end of an asymmetric row) has
            // scale 0: no grid to normalise by, so it is skipped, and every weight dequantises to the offset.
            expect(u, at).toHaveLength(0);
            for (let row = r.rowStart; row < r.rowEnd; row++) {
              for (let c = r.colStart; c < r.colEnd; c++) expect(deq[row * cols + c], at).toBe(r.offset);
            }
            continue;
          }
          expect(u, at).toHaveLength((r.rowEnd - r.rowStart) * (r.colEnd - r.colStart));
          let i = 0;
          for (let row = r.rowStart; row < r.rowEnd; row++) {
            for (let c = r.colStart; c < r.colEnd; c++, i++) {
              const nearest = grid.reduce(
                (best, v) => (Math.abs(v - u[i]!) < Math.abs(best - u[i]!) ? v : best),
                grid[0]!,
              );
              const expected = deq[row * cols + c]!;
              // The quantiser's choice, in grid units: as near to u as the nearest grid point, up to f32 rounding
              // (a weight within 1e-3 of a midpoint may round either way, depending on the order of operations).
              const chosen = (expected - r.offset) / r.scale;
              worst = Math.max(worst, Math.abs(chosen - u[i]!) - Math.abs(nearest - u[i]!));
              expect(
                values.some((v) => Math.abs(v - expected) <= 1e-6 * Math.abs(expected)),
                at,
              ).toBe(true);
            }
          }
        }
        expect(worst, at).toBeLessThan(1e-3);
        const skipped = Array.from({ length: groupCount(packed) }, (_, g) => groupRegion(packed, g)).filter(
          (r) => r.scale === 0,
        );
        const skippedWeights = skipped.reduce((s, r) => s + (r.rowEnd - r.rowStart) * (r.colEnd - r.colStart), 0);
        expect(normalisedWeights(w, packed)).toHaveLength(rows * cols - skippedWeights);
      });
    }
  }
});

describe('per-channel statistics', () => {
  it('max |x| and mean |x| per channel over all chunks equal a naive loop', () => {
    const channels = rng.int(3, 64);
    const chunks = Array.from({ length: rng.int(1, 5) }, () => normals(rng.int(1, 30) * channels, 3));
    const s = channelStats(chunks, channels);
    const rows = chunks.reduce((n, c) => n + c.length / channels, 0);
    expect(s.rows).toBe(rows);
    for (let c = 0; c < channels; c++) {
      const column = chunks.flatMap((chunk) =>
        Array.from({ length: chunk.length / channels }, (_, r) => Math.abs(chunk[r * channels + c]!)),
      );
      expect(s.maxAbs[c], at).toBe(Math.fround(Math.max(...column)));
      expect(s.meanAbs[c]!, at).toBeCloseTo(column.reduce((a, b) => a + b, 0) / rows, 5);
    }
  });

  it('median and max/median see an outlier channel', () => {
    const values = Array.from({ length: 2 * rng.int(2, 20) + 1 }, () => 1 + rng.next());
    const sorted = [...values].sort((a, b) => a - b);
    expect(median(values)).toBe(sorted[(values.length - 1) / 2]);
    expect(median([...values, 0])).toBeCloseTo(
      (sorted[(values.length - 1) / 2 - 1]! + sorted[(values.length - 1) / 2]!) / 2,
      12,
    );
    const withOutlier = [...values, 50];
    expect(maxOverMedian(withOutlier), at).toBeCloseTo(50 / median(withOutlier), 12);
    expect(maxOverMedian(values)).toBeLessThan(2);
  });

  it('rejects chunks that are not whole rows', () => {
    expect(() => channelStats([new Float32Array(7)], 3)).toThrow(/whole rows/);
  });
});

describe('SNR arithmetic', () => {
  it('noise added at s dB measures s dB against the clean values (within sampling error)', () => {
    const x = normals(200_000, 0.5 + rng.next());
    for (const db of [0, 10, 20, 37]) {
      const noisy = x.slice();
      const sigma = addNoiseAtSnr(noisy, db, new Pcg32(rng.int(0, 1e6)));
      expect(sigma).toBeCloseTo(noiseSigma(x, db), 12);
      expect(outputSnrDb(x, noisy), `${at} ${db} dB`).toBeCloseTo(db, 1);
    }
  });

  it('the same seed gives the same noise; a different seed a different one', () => {
    const x = normals(1000);
    const a = x.slice();
    const b = x.slice();
    const c = x.slice();
    const s = rng.int(0, 1e6);
    addNoiseAtSnr(a, 15, new Pcg32(s));
    addNoiseAtSnr(b, 15, new Pcg32(s));
    addNoiseAtSnr(c, 15, new Pcg32(s + 1));
    expect(Array.from(a)).toEqual(Array.from(b));
    expect(changedFraction(Float32Array.from(a), Float32Array.from(c))).toBe(1);
  });

  it('outputSnrDb: Infinity when identical, 10 log10(P/N) otherwise', () => {
    const x = normals(500);
    expect(outputSnrDb(x, x)).toBe(Infinity);
    const k = 0.01 + rng.next();
    const y = Float32Array.from(x, (v) => v * (1 + k));
    expect(outputSnrDb(x, y), at).toBeCloseTo(-20 * Math.log10(k), 4);
    expect(meanSquare([3, 4])).toBe(12.5);
    expect(changedFraction([1, 2, 3, 4], [1, 0, 3, 0])).toBe(0.5);
  });
});
