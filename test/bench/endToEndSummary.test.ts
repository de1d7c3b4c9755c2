/** The end-to-end bench's arithmetic: per-image medians, ratios to fp32 and to onnxruntime, latency rows; the URL config. */
import { describe, expect, it } from 'vitest';
import { summarize } from '../../tools/bench/src/stats';
import {
  summarizeEndToEnd,
  summarizeForward,
  summarizeImages,
  summarizeLatency,
} from '../../tools/bench/src/e2e/endToEndSummary';
import { endToEndConfigFromUrl } from '../../tools/bench/src/e2e/endToEndConfig';
import type { ForwardMeasurement, ImageMeasurement, LatencyMeasurement } from '../../tools/bench/src/e2e/endToEndTypes';

function image(
  model: string,
  setting: string,
  batch: number,
  sample: number[],
  decode: number[],
  steps = 50,
): ImageMeasurement {
  return {
    model,
    family: model.includes('var') ? 'var' : 'dit',
    setting,
    batch,
    steps,
    bitsPerWeight: setting === 'fp32' ? 32 : 4.5,
    loadMs: 5,
    warmupMs: 100,
    sample: summarize(sample),
    decode: summarize(decode),
    total: summarize(sample.map((s, i) => s + decode[i])),
  };
}

function forward(
  impl: ForwardMeasurement['impl'],
  setting: string,
  samples: number[],
  model = 'mnist-dit-d1',
): ForwardMeasurement {
  return {
    model,
    impl,
    setting,
    params: 32256,
    relErrorVsOrt: impl === 'ours' ? 1e-5 : 0,
    relErrorVsGolden: 1e-5,
    firstRunMs: 50,
    wall: summarize(samples),
  };
}

describe('summarizeImages', () => {
  const rows = summarizeImages([
    image('mnist-dit-d1', 'fp32', 1, [100, 120, 110], [10, 10, 10]),
    image('mnist-dit-d1', 'W4g32', 1, [50, 60, 55], [10, 10, 10]),
    image('mnist-dit-d1', 'W4g32', 8, [20, 20, 20], [2, 2, 2]),
    image('mnist-var-d1', 'W4g32', 1, [40, 40, 40], [10, 10, 10], 4),
  ]);

  it('reports medians per image and ms per step', () => {
    expect(rows[0]).toMatchObject({
      totalMs: 120,
      sampleMs: 110,
      decodeMs: 10,
      msPerStep: 110 / 50,
      reps: 3,
      speedupVsFp32: 1,
      sampleSpeedupVsFp32: 1,
    });
  });

  it('divides the fp32 median of the same model and batch by the setting median', () => {
    expect(rows[1].speedupVsFp32).toBeCloseTo(120 / 65, 12);
    expect(rows[1].sampleSpeedupVsFp32).toBeCloseTo(110 / 55, 12);
    expect(rows[1].speedupVsFp32ByMin).toBeCloseTo(110 / 60, 12);
  });

  it('has no ratio without an fp32 row of the same model and batch (never borrowed from another batch or model)', () => {
    expect(rows[2].speedupVsFp32).toBeUndefined();
    expect(rows[3].speedupVsFp32).toBeUndefined();
    expect(rows[3].msPerStep).toBe(10);
  });
});

describe('summarizeForward', () => {
  it('divides onnxruntime by each implementation, by median and by min, per model', () => {
    const rows = summarizeForward([
      forward('onnxruntime-web', 'fp32', [30, 20, 40]),
      forward('ours', 'fp32', [10, 15, 20]),
      forward('ours', 'W4g32', [12, 8, 10]),
      forward('ours', 'fp32', [10], 'mnist-dit-d2'),
    ]);
    expect(rows.map((r) => r.speedupVsOrt)).toEqual([1, 2, 3, undefined]);
    expect(rows.map((r) => r.speedupVsOrtByMin)).toEqual([1, 2, 2.5, undefined]);
    expect(rows[1]).toMatchObject({ medianMs: 15, minMs: 10, relErrorVsOrt: 1e-5 });
  });
});

describe('summarizeLatency', () => {
  it('reports uncached and cached medians and their difference', () => {
    const m: LatencyMeasurement = {
      model: 'mnist-var-d2',
      family: 'var',
      steps: 4,
      coldMs: 900,
      samples: [
        { from: 'W8c-A8', to: 'W8g32', uncachedMs: 300, cachedMs: 200, referenceSampleMs: 50, settingSampleMs: 60 },
        { from: 'W8g32', to: 'W6g32', uncachedMs: 500, cachedMs: 220, referenceSampleMs: 50, settingSampleMs: 60 },
        { from: 'W6g32', to: 'W4g32', uncachedMs: 400, cachedMs: 210, referenceSampleMs: 50, settingSampleMs: 60 },
      ],
      uncached: summarize([300, 500, 400]),
      cached: summarize([200, 220, 210]),
    };
    expect(summarizeLatency([m])[0]).toEqual({
      model: 'mnist-var-d2',
      family: 'var',
      steps: 4,
      reps: 3,
      uncachedMedianMs: 400,
      uncachedMinMs: 300,
      cachedMedianMs: 210,
      uncachedExtraMs: 190,
      coldMs: 900,
    });
  });

  it('summarizeEndToEnd bundles the three tables', () => {
    const s = summarizeEndToEnd([image('mnist-dit-d1', 'fp32', 1, [1], [1])], [], []);
    expect([s.images.length, s.forward.length, s.latency.length]).toEqual([1, 0, 0]);
  });
});

describe('endToEndConfigFromUrl', () => {
  it('full run: every shipped generator at the four settings, 10 DiT steps, batch 8 for two models; latency at the manifest steps', () => {
    const c = endToEndConfigFromUrl('?suite=e2e');
    expect(c.settings).toEqual(['fp32', 'W8c-A8', 'W4g32', 'W4g32-A8']);
    expect(c.models).toHaveLength(7);
    expect([c.ditSteps, c.batch, c.latencyDitSteps]).toEqual([10, 8, 0]);
    expect(c.batchModels).toEqual(['mnist-var-d2', 'mnist-dit-d2']);
    expect(c.latencyModels).toEqual(['mnist-var-d2', 'mnist-dit-d2']);
  });

  it('quick run: small, and fp32 is always the baseline', () => {
    const c = endToEndConfigFromUrl('?quick=1&settings=W4g32,W4g32');
    expect(c.settings).toEqual(['fp32', 'W4g32']);
    expect([c.reps, c.batch, c.ditSteps]).toEqual([1, 0, 4]);
  });

  it('canonicalises settings and rejects what cannot be measured honestly', () => {
    expect(endToEndConfigFromUrl('?settings=fp32,W4g32-A16').settings).toEqual(['fp32', 'W4g32']);
    expect(() => endToEndConfigFromUrl('?reps=-1')).toThrow(/non-negative integer/);
    expect(() => endToEndConfigFromUrl('?settings=W9g32')).toThrow();
    // More latency repetitions than distinct settings would time a cached setting as uncached.
    expect(() => endToEndConfigFromUrl('?latencySettings=W8g32,W6g32&latencyReps=3')).toThrow(/distinct/);
    // An empty list means none; an absent one the default.
    expect(endToEndConfigFromUrl('?latencyModels=').latencyModels).toEqual([]);
  });
});
