/**
 * The analysis methods on real WGSL (Dawn + SwiftShader) with the smallest shipped VAR and DiT bundles:
 * - the SNR hooks: at 200 dB input SNR the perturbed run reproduces the clean output (the noise is below f32
 *   resolution), at 0 dB it changes it; the experiment is deterministic by seed;
 * - the activation statistics of one DiT block (one DDIM step, so the model sees exactly x_T) equal the
 *   per-channel max/mean |x| of the inputs the CPU reference forward gives its Linears.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleIds, loadDitBundle } from '../models/bundles';
import { createHarness, testRun, type Harness } from './harness';
import { AnalysisService } from '../../../src/engine/analysis/analysisService';
import { rotateRows } from '../../../src/quant/hadamard';
import { channelStats } from '../../../src/engine/analysis/channelStats';
import { ditLinearSpecs } from '../../../src/models/dit/ditConfig';
import { respacedSchedule } from '../../../src/ops/diffusionSchedule';
import { Pcg32 } from '../../../src/models/runtime/prng';
import { FULL_PRECISION } from '../../../src/quant/setting';
import { refLinears } from '../models/reference/refLinears';
import { DitReference } from '../models/reference/ditReference';

const varId = bundleIds('var')[0];
const ditId = bundleIds('dit')[0];
let harness: Harness;
let analysis: AnalysisService;
beforeAll(() => {
  harness = createHarness();
  analysis = new AnalysisService(harness.service);
});
afterAll(async () => {
  await harness?.destroy();
});

/** Largest |a - b| over the largest |b|. */
function relMaxError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < b.length; i++) {
    diff = Math.max(diff, Math.abs(a[i]! - b[i]!));
    scale = Math.max(scale, Math.abs(b[i]!));
  }
  return diff / scale;
}

describe('representation-SNR hooks', () => {
  it.runIf(varId !== undefined && ditId !== undefined)(
    `${varId} and ${ditId}: 200 dB reproduces the clean output, 0 dB changes it, same seed same curve`,
    async () => {
      const params = { modelIds: [varId!, ditId!], snrDb: [200, 0], samples: 3, seed: 17, ditSteps: 6 };
      const partials: number[] = [];
      const run = testRun();
      const progress = run.progress;
      run.progress = (f, m, partial) => (
        partials.push((partial as { curves: unknown[] } | undefined)?.curves.length ?? -1),
        progress(f, m)
      );
      const result = await analysis.snrExperiment(params, run);
      expect(result.curves.map((c) => [c.modelId, c.family])).toEqual([
        [varId, 'var'],
        [ditId, 'dit'],
      ]);
      const [v, d] = result.curves;
      // 200 dB: the noise is ~1e-10 of the signal, below f32 resolution of the head input / latent.
      expect(v.points[0].outputSnrDb).toBeGreaterThan(120);
      expect(v.points[0].tokensChanged).toBe(0);
      expect(d.points[0].outputSnrDb).toBeGreaterThan(120);
      // 0 dB: noise as strong as the signal changes tokens (VAR) and the latent (DiT).
      expect(v.points[1].tokensChanged).toBeGreaterThan(0);
      expect(Number.isFinite(v.points[1].outputSnrDb)).toBe(true);
      expect(Number.isFinite(d.points[1].outputSnrDb)).toBe(true);
      expect(d.points[1].outputSnrDb).toBeLessThan(30);
      // Partial results stream after every run (clean + 2 points per model).
      expect(partials).toEqual([1, 1, 1, 2, 2, 2]);
      // Deterministic by seed: the same request gives the same curves.
      const again = await analysis.snrExperiment(params, testRun());
      expect(again.curves.map((c) => c.points)).toEqual(result.curves.map((c) => c.points));
      expect(harness.errors).toEqual([]);
    },
  );
});

describe('activation statistics', () => {
  it.runIf(ditId !== undefined)(
    `${ditId}: per-channel max/mean |x| of block 0's qkv, fc1, fc2 inputs equal the CPU reference`,
    async () => {
      const samples = 3;
      const seed = 23;
      const result = await analysis.activationStats(
        { modelId: ditId!, samples, seed, ditSteps: 1, ditSampler: 'ddim' },
        testRun(),
      );
      const { bundle, weights } = await loadDitBundle(ditId!);
      const config = bundle.manifest.config;
      const inputs = new Map<string, Float32Array>();
      const linear = refLinears(weights, ditLinearSpecs(config), FULL_PRECISION);
      const reference = new DitReference(config, weights, (name, x, m) => {
        inputs.set(name, x.slice());
        return linear(name, x, m);
      });
      // The sampler's one step: rows [x_T, x_T], labels [classes, null], t = the respaced schedule's only timestep.
      const n = config.inChannels * config.inputSize ** 2;
      const xT = new Pcg32(seed).normals(samples * n);
      const labels = Array.from({ length: samples }, (_, i) => i % config.numClasses);
      const t = respacedSchedule(1, config.diffusion.trainSteps).timestepMap[0];
      const x = new Float32Array(2 * samples * n);
      x.set(xT, 0);
      x.set(xT, samples * n);
      reference.forward(x, Array(2 * samples).fill(t), [...labels, ...labels.map(() => config.numClasses)]);
      const names = { qkv: 'blocks.0.attn.qkv', fc1: 'blocks.0.mlp.fc1', fc2: 'blocks.0.mlp.fc2' } as const;
      for (const [layer, name] of Object.entries(names)) {
        const gpu = result.layers.find((l) => l.block === 0 && l.layer === layer)!;
        expect(gpu.linear).toBe(name);
        const cpu = channelStats([inputs.get(name)!], gpu.channels);
        expect(gpu.rows).toBe(cpu.rows);
        expect(relMaxError(gpu.maxAbs, cpu.maxAbs), `${name} max`).toBeLessThan(1e-4);
        expect(relMaxError(gpu.meanAbs, cpu.meanAbs), `${name} mean`).toBeLessThan(1e-4);
        expect(gpu.maxOverMedian).toBeGreaterThan(1);
        // After the -had rotation: the same rows times R.
        const input = inputs.get(name)!;
        const cpuRotated = channelStats([rotateRows(input, input.length / gpu.channels, gpu.channels)], gpu.channels);
        expect(relMaxError(gpu.rotated.maxAbs, cpuRotated.maxAbs), `${name} rotated max`).toBeLessThan(1e-4);
        expect(relMaxError(gpu.rotated.meanAbs, cpuRotated.meanAbs), `${name} rotated mean`).toBeLessThan(1e-4);
        console.log(
          `${name}: max/median of max|x| ${gpu.maxOverMedian.toFixed(2)} before, ${gpu.rotated.maxOverMedian.toFixed(2)} after the Hadamard rotation`,
        );
      }
      expect(result.layers).toHaveLength(3 * config.depth);
      expect(harness.errors).toEqual([]);
    },
  );
});
