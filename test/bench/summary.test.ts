/** The arithmetic behind the bench's reported numbers: statistics, ratios and the run-time guard. */
import { describe, expect, it } from 'vitest';
import { maxRelativeError, summarize } from '../../tools/bench/src/stats';
import { summarizeRun } from '../../tools/bench/src/summary';
import { predictRunMs } from '../../tools/bench/src/runTimePrediction';
import type { Measurement } from '../../tools/bench/src/resultTypes';
import type { TimedResult } from '../../tools/bench/src/gpuTimer';

const timed = (samples: number[], method: TimedResult['method'] = 'timestamp-query'): TimedResult => ({
  method,
  ...summarize(samples),
});

function measurement(
  partial: Partial<Measurement> & Pick<Measurement, 'kind' | 'variant' | 'format' | 'trafficBytes'>,
  samples: number[],
  wallSamples = samples,
): Measurement {
  return {
    id: `${partial.variant}/${partial.format}`,
    size: 1024,
    m: 1,
    weightBytes: 0,
    checkRunMs: 0,
    warmupRuns: 0,
    time: timed(samples),
    wall: timed(wallSamples, 'wall-clock'),
    ...partial,
  };
}

describe('summarize', () => {
  it('takes the median of odd and even counts and keeps every sample', () => {
    expect(summarize([3, 1, 2])).toMatchObject({ medianMs: 2, minMs: 1, maxMs: 3, samplesMs: [3, 1, 2] });
    expect(summarize([4, 1, 3, 2]).medianMs).toBe(2.5);
    expect(() => summarize([])).toThrow(/no samples/);
  });

  it('measures relative error against the largest reference magnitude, and NaN as infinite', () => {
    expect(maxRelativeError(new Float32Array([1, 2.5]), new Float32Array([1, 2]))).toBeCloseTo(0.25);
    expect(maxRelativeError(new Float32Array([NaN, 2]), new Float32Array([1, 2]))).toBe(Infinity);
  });
});

describe('summarizeRun', () => {
  it('computes each ratio from measurements of the same variant, size and weight', () => {
    const rows = summarizeRun([
      measurement({ kind: 'f32', variant: 'gemv', format: 'f32', trafficBytes: 4e6 }, [8, 6, 10]),
      measurement(
        { kind: 'ours', variant: 'gemv', format: 'int4s', groupSize: 128, trafficBytes: 1e6 },
        [2, 1.5, 4],
        [3, 2, 5],
      ),
      measurement(
        { kind: 'copy', variant: 'copy', format: 'int4s', groupSize: 128, trafficBytes: 2e6 },
        [0.5, 0.5, 0.5],
      ),
      measurement({ kind: 'copy', variant: 'copy', format: 'int4s', groupSize: 32, trafficBytes: 9e9 }, [1, 1, 1]),
      measurement(
        { kind: 'ort', variant: 'gemv', format: 'ort-int4-blk128', groupSize: 128, trafficBytes: 1e6 },
        [6, 4, 9],
        [6, 4, 9],
      ),
      measurement(
        { kind: 'ort', variant: 'gemm', format: 'ort-int4-blk128', groupSize: 128, trafficBytes: 1e6 },
        [99, 99, 99],
      ),
    ]);
    expect(rows).toHaveLength(1);
    const [row] = rows;
    expect(row.speedupVsF32).toBeCloseTo(8 / 2);
    expect(row.speedupVsF32ByMin).toBeCloseTo(6 / 1.5);
    expect(row.effectiveGBps).toBeCloseTo(1e6 / 2e-3 / 1e9);
    expect(row.copyGBps).toBeCloseTo(2e6 / 0.5e-3 / 1e9);
    expect(row.bandwidthFraction).toBeCloseTo(0.5 / 4);
    expect(row.ortOp).toBe('ort-int4-blk128');
    expect(row.speedupVsOrt).toBeCloseTo(6 / 3); // wall clock on both sides
    expect(row.speedupVsOrtByMin).toBeCloseTo(4 / 2);
  });

  it('leaves ratios out when the other measurement is missing (failed or skipped)', () => {
    const [row] = summarizeRun([
      measurement({ kind: 'ours', variant: 'gemm', format: 'fp-e2m1', groupSize: 128, trafficBytes: 1 }, [1]),
    ]);
    expect([row.speedupVsF32, row.bandwidthFraction, row.ortOp, row.speedupVsOrt]).toEqual([
      undefined,
      undefined,
      undefined,
      undefined,
    ]);
  });
});

describe('predictRunMs', () => {
  it('scales one size by K*N and two sizes by their fitted exponent, within 1..2', () => {
    expect(predictRunMs([], 4096)).toBeUndefined();
    expect(predictRunMs([{ size: 1024, ms: 100 }], 1024)).toBeUndefined();
    expect(predictRunMs([{ size: 256, ms: 10 }], 1024)!.ms).toBeCloseTo(160);
    expect(
      predictRunMs(
        [
          { size: 256, ms: 1200 },
          { size: 1024, ms: 6000 },
        ],
        4096,
      )!.ms,
    ).toBeCloseTo(6000 * 5);
    expect(
      predictRunMs(
        [
          { size: 256, ms: 100 },
          { size: 1024, ms: 100 },
        ],
        4096,
      )!.ms,
    ).toBeCloseTo(400); // floor e = 1
    expect(
      predictRunMs(
        [
          { size: 256, ms: 1 },
          { size: 1024, ms: 1000 },
        ],
        4096,
      )!.ms,
    ).toBeCloseTo(16000); // cap e = 2
  });
});
