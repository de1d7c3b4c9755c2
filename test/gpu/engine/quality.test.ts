/**
 * measureQuality on real WGSL (Dawn + SwiftShader) with the smallest shipped VAR and DiT bundles. onnxruntime
 * does not run in Node, so the ONNX decoder + classifier are replaced by a plain scorer on the generator's raw
 * output (rawOutputScorer below: a fixed random projection of f_hat / the latent to a few features, FD
 * against the statistics of fp32 samples from other seeds, accuracy by nearest class mean). What is tested is
 * the service around it: class-balanced, seeded batches (sample i is exactly generate()'s sample for class
 * i mod 10 and seed + i, whatever the batch size), streamed partial points with growing counts, the bit
 * counts, a 2-bit setting scoring worse than fp32, typed errors, and a cancel that leaves the service usable.
 */
import { parseSetting } from '../../../src/quant/setting';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleIds, MODELS_DIR } from '../models/bundles';
import { dawnGpu } from '../device';
import { createHarness, rejection, testRun, type Harness, type TestRun } from './harness';
import { GpuSession } from '../../../src/worker/gpuSession';
import { GenerationService } from '../../../src/engine/generation/generationService';
import type { HeadsFactory } from '../../../src/engine/generation/heads';
import type { LoadedBundles } from '../../../src/engine/generation/bundleStore';
import type { QualityAccumulator } from '../../../src/engine/quality/accumulator';
import type { QualityPoint } from '../../../src/engine/quality/types';
import { readF32 } from '../../../src/gpu/buffers';
import { Pcg32 } from '../../../src/models/runtime/prng';
import { FeatureAccumulator, FrechetReference, jackknifeFd } from '../../../src/metrics/index.ts';
import { CancelledError } from '../../../src/engine/runContext';
import { FsBundleSource } from '../../models/helpers/sources';
import { blockLinearParams } from '../../../src/features/scaling-law/bitsAxis';

const varId = bundleIds('var')[0];
const ditId = bundleIds('dit')[0];
const FEATURES = 6;

/** Elements of one raw output: VAR f_hat [Cvae, H, H], DiT latent [Cin, H, W]. */
function outputElements(bundles: LoadedBundles): number {
  const m = bundles.model.manifest;
  if (m.family === 'dit') return m.config.inChannels * m.config.inputSize ** 2;
  const tok = bundles.required.get(m.requires.tokenizer)!.manifest;
  if (tok.family !== 'vqvae') throw new Error('the tokenizer is not a vqvae bundle');
  return m.config.cvae * tok.config.latentSize ** 2;
}

/** What the scorer saw, per model: every raw output and label in arrival order, and the reference statistics once set. */
interface ScorerLog {
  outputs: Float32Array[];
  labels: number[];
  batches: number[];
}

/**
 * Features = a fixed Gaussian projection of the raw output; reference = mean / covariance of the features of
 * `reference` outputs (set by the test from fp32 samples of other seeds); accuracy = nearest reference class mean.
 */
class RawOutputScorer {
  readonly logs = new Map<string, ScorerLog>();
  private readonly references = new Map<string, { frechet: FrechetReference; classMeans: Float64Array[] }>();

  readonly heads: HeadsFactory = async (device, bundles) => {
    const id = bundles.model.manifest.id;
    const n = outputElements(bundles);
    return {
      decode: () => Promise.reject(new Error('the test scorer only scores quality')),
      startQuality: () => this.accumulator(device, id, n),
      dispose: () => Promise.resolve(),
    };
  };

  project(output: Float32Array): Float64Array {
    const rng = new Pcg32(4242);
    const weights = rng.normals(FEATURES * output.length);
    const f = new Float64Array(FEATURES);
    for (let j = 0; j < FEATURES; j++)
      for (let i = 0; i < output.length; i++) f[j] += weights[j * output.length + i] * output[i];
    return f;
  }

  setReference(id: string, outputs: readonly Float32Array[], labels: readonly number[]): void {
    const features = outputs.map((o) => this.project(o));
    const acc = FeatureAccumulator.fromRows(concat(features), features.length, FEATURES);
    const classMeans = Array.from({ length: 10 }, (_, c) => {
      const mine = features.filter((_, i) => labels[i] === c);
      const mean = new Float64Array(FEATURES);
      for (const f of mine) for (let j = 0; j < FEATURES; j++) mean[j] += f[j] / mine.length;
      return mean;
    });
    this.references.set(id, { frechet: new FrechetReference(acc.mean(), acc.covariance()), classMeans });
  }

  private accumulator(device: GPUDevice, id: string, n: number): QualityAccumulator {
    const log: ScorerLog = { outputs: [], labels: [], batches: [] };
    this.logs.set(id, log);
    const features = new FeatureAccumulator(FEATURES);
    let hits = 0;
    return {
      get count() {
        return features.count;
      },
      add: async (source, batch, labels) => {
        const raw = await readF32(device, source, 0, batch * n);
        log.batches.push(batch);
        for (let b = 0; b < batch; b++) {
          const output = raw.slice(b * n, (b + 1) * n);
          const f = this.project(output);
          features.addBatch(f, 1);
          log.outputs.push(output);
          log.labels.push(labels[b]);
          const ref = this.references.get(id);
          if (ref && nearest(ref.classMeans, f) === labels[b]) hits++;
        }
      },
      estimate: () => {
        const ref = this.references.get(id);
        if (!ref) return { fd: NaN, stdError: NaN };
        const e = jackknifeFd(ref.frechet, features);
        return { fd: e.fd, stdError: e.stdError };
      },
      accuracy: () => (features.count > 0 ? hits / features.count : 0),
    };
  }
}

function concat(rows: readonly Float64Array[]): Float64Array {
  const out = new Float64Array(rows.length * (rows[0]?.length ?? 0));
  rows.forEach((r, i) => out.set(r, i * r.length));
  return out;
}

function nearest(means: readonly Float64Array[], f: Float64Array): number {
  let best = -1;
  let bestDistance = Infinity;
  means.forEach((m, c) => {
    let d = 0;
    for (let j = 0; j < f.length; j++) d += (m[j] - f[j]) ** 2;
    if (d < bestDistance) [best, bestDistance] = [c, d];
  });
  return best;
}

function relL2(a: Float32Array, b: Float32Array): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < a.length; i++) {
    num += (a[i] - b[i]) ** 2;
    den += b[i] ** 2;
  }
  return Math.sqrt(num / den);
}

/** A test RunContext that also records the partial points. */
function recordingRun(onPartial?: (p: QualityPoint, run: TestRun) => void): TestRun & { partials: QualityPoint[] } {
  const partials: QualityPoint[] = [];
  const run = testRun() as TestRun & { partials: QualityPoint[] };
  const progress = run.progress;
  Object.assign(run, {
    partials,
    progress(fraction: number, message: string, partial?: unknown) {
      progress(fraction, message);
      if (partial) {
        partials.push(partial as QualityPoint);
        onPartial?.(partial as QualityPoint, run);
      }
    },
  });
  return run;
}

let scorer: RawOutputScorer;
let session: GpuSession;
let service: GenerationService;
let plain: Harness;
beforeAll(() => {
  scorer = new RawOutputScorer();
  session = new GpuSession({ gpu: dawnGpu(), forceFallbackAdapter: true }, () => undefined);
  service = new GenerationService({
    source: new FsBundleSource(MODELS_DIR),
    gpu: () => session.get(),
    heads: scorer.heads,
  });
  plain = createHarness();
});
afterAll(async () => {
  await service?.destroy();
  await session?.destroy();
  await plain?.destroy();
});

describe.runIf(varId !== undefined)(`measureQuality on ${varId}`, () => {
  it('fp32 vs W2g32: partials stream with growing counts, finite FD, 2 bits score worse, bits add up', async () => {
    // Reference statistics: 60 fp32 samples from seeds 1000.. (disjoint from the measured seeds 0..19).
    const ref = await service.measureQuality(
      { modelId: varId, setting: parseSetting('fp32'), samples: 60, seed: 1000, batch: 20 },
      testRun(),
    );
    expect(ref.samples).toBe(60);
    const refLog = scorer.logs.get(varId)!;
    scorer.setReference(varId, refLog.outputs, refLog.labels);

    const fp32Run = recordingRun();
    const fp32 = await service.measureQuality(
      { modelId: varId, setting: parseSetting('fp32'), samples: 20, batch: 8 },
      fp32Run,
    );
    const fp32Log = scorer.logs.get(varId)!;
    expect(fp32Log.batches).toEqual([8, 8, 4]);
    expect(fp32Log.labels).toEqual(Array.from({ length: 20 }, (_, i) => i % 10));
    // Partials after each batch but the last (which is the result): 8 and 16 samples, moving FD, partial: true.
    expect(fp32Run.partials.map((p) => [p.samples, p.partial])).toEqual([
      [8, true],
      [16, true],
    ]);
    for (const p of fp32Run.partials) expect(Number.isFinite(p.fd) && Number.isFinite(p.fdStdErr)).toBe(true);
    expect(fp32Run.messages.at(-1)![0]).toBe(1);

    const w2 = await service.measureQuality(
      { modelId: varId, setting: parseSetting('W2g32'), samples: 20, batch: 8 },
      testRun(),
    );
    for (const p of [fp32, w2]) {
      expect(p.partial).toBe(false);
      expect(p.samples).toBe(20);
      expect(Number.isFinite(p.fd) && p.fd > 0).toBe(true);
      expect(Number.isFinite(p.fdStdErr) && p.fdStdErr > 0).toBe(true);
      expect([p.family, p.depth, p.method, p.steps]).toEqual(['var', 1, 'rtn', 4]);
    }
    console.log(
      `${varId} (raw-output scorer, 20 samples): FD fp32 ${fp32.fd.toFixed(2)} ± ${fp32.fdStdErr.toFixed(2)}, acc ${fp32.accuracy.toFixed(2)}; W2g32 ${w2.fd.toFixed(2)} ± ${w2.fdStdErr.toFixed(2)}, acc ${w2.accuracy.toFixed(2)}`,
    );
    expect(w2.fd).toBeGreaterThan(fp32.fd);

    // Bits: fp32 counts every parameter at its stored 16 bits; W2g32 packs the block Linears (2-bit codes + an f16 scale per 32).
    expect(fp32.totalWeightBits).toBe(fp32.totalParams * 16);
    expect(fp32.transformerBits).toBe(fp32.totalParams * 16);
    expect(fp32.computeBits).toBe(fp32.linearParams * 32 * 32);
    // Code and activation bits say "not quantised" (32); bitsPerWeight is what the GPU holds per Linear weight, and the
    // fp32 reference keeps the bundle's f16 weights as f16 (issue 13), so 16.
    expect([fp32.weightBits, fp32.activationBits, fp32.bitsPerWeight]).toEqual([32, 32, 16]);
    expect([w2.weightBits, w2.activationBits, w2.linearParams, w2.totalParams]).toEqual([
      2,
      32,
      fp32.linearParams,
      fp32.totalParams,
    ]);
    expect(w2.bitsPerWeight).toBeGreaterThan(2.5 - 1e-9);
    expect(w2.bitsPerWeight).toBeLessThan(32);
    expect(w2.totalWeightBits).toBeLessThan(fp32.totalWeightBits);
    // Stored block Linear bits (2.5 per weight) + every other parameter at 16.
    const block = blockLinearParams('var', w2.depth);
    expect(w2.linearBits).toBe(block * 2.5);
    expect(w2.transformerBits).toBe(block * 2.5 + (w2.totalParams - block) * 16);
    expect(w2.totalWeightBits).toBe(w2.transformerBits);
    expect(w2.computeBits).toBeLessThan(fp32.computeBits);
  });

  it("sample i is generate()'s sample for class i mod 10 and seed + i, whatever the batch", async () => {
    await service.measureQuality(
      { modelId: varId, setting: parseSetting('W4g32-A8'), samples: 5, seed: 30, batch: 5 },
      testRun(),
    );
    const batched = scorer.logs.get(varId)!.outputs;
    await service.measureQuality(
      { modelId: varId, setting: parseSetting('W4g32-A8'), samples: 5, seed: 30, batch: 2 },
      testRun(),
    );
    const smaller = scorer.logs.get(varId)!.outputs;
    for (const i of [0, 3, 4]) {
      const single = await plain.service.generate(
        { modelId: varId, settings: [parseSetting('W4g32-A8')], classLabel: i % 10, seed: 30 + i },
        testRun(),
      );
      expect(relL2(batched[i], single.runs[0].output)).toBeLessThan(1e-5);
      expect(relL2(smaller[i], single.runs[0].output)).toBeLessThan(1e-5);
    }
  });

  it('W4g32-A8 counts activation bits in computeBits; a cancel stops between batches and leaves the service usable', async () => {
    const w4 = await service.measureQuality({ modelId: varId, setting: parseSetting('W4g32'), samples: 3 }, testRun());
    const w4a8 = await service.measureQuality(
      { modelId: varId, setting: parseSetting('W4g32-A8'), samples: 3 },
      testRun(),
    );
    expect([w4a8.weightBits, w4a8.activationBits]).toEqual([4, 8]);
    expect(w4a8.totalWeightBits).toBe(w4.totalWeightBits);
    expect(w4a8.computeBits).toBeLessThan(w4.computeBits);

    const cancelled = recordingRun((_, run) => run.cancel());
    const error = await rejection(
      service.measureQuality({ modelId: varId, setting: parseSetting('W3g32'), samples: 30, batch: 5 }, cancelled),
    );
    expect(error).toBeInstanceOf(CancelledError);
    expect(cancelled.partials.map((p) => p.samples)).toEqual([5]);
    const after = await service.measureQuality(
      { modelId: varId, setting: parseSetting('W3g32'), samples: 4, batch: 4 },
      testRun(),
    );
    expect(after.samples).toBe(4);
    expect(service.cachedSettings()).toContain(`${varId}|W3g32`);
  });

  it('GPTQ and SmoothQuant settings are calibrated and measured like the others (progress says so, method recorded)', async () => {
    const run = testRun();
    const gptq = await service.measureQuality(
      { modelId: varId, setting: parseSetting('W3g32-gptq'), samples: 8, batch: 4 },
      run,
    );
    expect(gptq.method).toBe('gptq128');
    expect(gptq.fd).toBeGreaterThan(0);
    expect(run.messages.map(([, m]) => m).filter((m) => m.includes('GPTQ layer'))).toHaveLength(5);
    const sq = await service.measureQuality(
      { modelId: varId, setting: parseSetting('W4g32-A8-sq0.5'), samples: 3 },
      testRun(),
    );
    expect([sq.method, sq.activationBits]).toEqual(['sq0.5-folded', 8]);
    expect(service.cachedSettings()).toEqual(
      expect.arrayContaining([`${varId}|W3g32-gptq`, `${varId}|W4g32-A8-sq0.5`]),
    );
  });

  it('paired: fp32 on the same draws gives token agreement with its error; the point itself is unchanged', async () => {
    const plainPoint = await service.measureQuality(
      { modelId: varId, setting: parseSetting('W2g32'), samples: 20, batch: 10 },
      testRun(),
    );
    const run = recordingRun();
    const paired = await service.measureQuality(
      { modelId: varId, setting: parseSetting('W2g32'), samples: 20, batch: 10, paired: true },
      run,
    );
    expect(paired.fd).toBe(plainPoint.fd);
    expect(paired.paired!.samples).toBe(20);
    const tokens = paired.paired!.tokenAgreement!;
    expect(tokens.samples).toBe(20);
    expect(tokens.value).toBeGreaterThan(0);
    expect(tokens.value).toBeLessThan(1);
    expect(Number.isFinite(tokens.stdError) && tokens.stdError > 0).toBe(true);
    // The partial after the first batch already carries the paired metrics (they converge in tens of samples).
    expect(run.partials[0]!.paired!.samples).toBe(10);
    // This scorer reads no images back: no PSNR or label agreement without decoded images.
    expect(paired.paired!.psnr).toBeUndefined();
    const w8 = await service.measureQuality(
      { modelId: varId, setting: parseSetting('W8g32'), samples: 10, paired: true },
      testRun(),
    );
    expect(w8.paired!.tokenAgreement!.value).toBeGreaterThan(tokens.value);
    const fp = await service.measureQuality(
      { modelId: varId, setting: parseSetting('fp32'), samples: 3, paired: true },
      testRun(),
    );
    expect(fp.paired).toBeUndefined();
    console.log(
      `${varId} token agreement with fp32 (20 samples): W2g32 ${tokens.value.toFixed(3)} ± ${tokens.stdError.toFixed(3)}; W8g32 (10) ${w8.paired!.tokenAgreement!.value.toFixed(3)}`,
    );
  });

  it('bad requests reject with typed errors before GPU work; no classifier is a QualityError', async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ modelId: 'no-such-model', setting: parseSetting('fp32'), samples: 10 }, 'model-not-found'],
      [{ modelId: 'mnist-classifier', setting: parseSetting('fp32'), samples: 10 }, 'not-a-generator'],
      [
        {
          modelId: varId,
          setting: {
            ...parseSetting('W4g32'),
            weight: { format: { kind: 'int', bits: 9, symmetric: true }, granularity: { kind: 'group', size: 32 } },
          } as never,
          samples: 10,
        },
        'invalid-setting',
      ],
      [{ modelId: varId, setting: parseSetting('fp32'), samples: 0 }, 'argument-invalid'],
      [{ modelId: varId, setting: parseSetting('fp32'), samples: 10, batch: 1000 }, 'argument-invalid'],
      [{ modelId: varId, setting: parseSetting('fp32'), samples: 10, steps: 5 }, 'argument-invalid'],
    ];
    for (const [params, code] of cases) {
      const e = await rejection(service.measureQuality(params as never, testRun()));
      expect(e.code, JSON.stringify(params)).toBe(code);
      expect(e.fix).toBeTruthy();
    }
    // The plain harness has no heads (no onnxruntime in Node): nothing to score with.
    const e = await rejection(
      plain.service.measureQuality({ modelId: varId, setting: parseSetting('fp32'), samples: 3 }, testRun()),
    );
    expect([e.name, e.code]).toEqual(['QualityError', 'no-classifier']);
  });
});

describe.runIf(ditId !== undefined)(`measureQuality on ${ditId}`, () => {
  it("DDPM samples match generate()'s for the same class and seed; the point carries steps, sampler and cfg", async () => {
    const point = await service.measureQuality(
      { modelId: ditId, setting: parseSetting('fp32'), samples: 3, seed: 7, steps: 4, sampler: 'ddpm', cfg: 2 },
      testRun(),
    );
    expect([point.family, point.steps, point.sampler, point.cfg, point.samples]).toEqual(['dit', 4, 'ddpm', 2, 3]);
    const outputs = scorer.logs.get(ditId)!.outputs;
    for (const i of [0, 2]) {
      const single = await plain.service.generate(
        {
          modelId: ditId,
          settings: [parseSetting('fp32')],
          classLabel: i,
          seed: 7 + i,
          steps: 4,
          sampler: 'ddpm',
          cfg: 2,
        },
        testRun(),
      );
      // Same draws, same maths; at most the f32 summation order differs: on a CPU adapter both the batch of 3
      // (96 rows with CFG) and the single sample (32 rows) take gemm-block, while other adapters may run them on
      // kernels that sum in another order (src/kernels/matmulPlan.ts). 1.5e-5 was measured after 4 DDPM steps
      // when they took the tiled GEMM and gemm-rows; a wrong class, seed or step count changes the sample entirely.
      expect(relL2(outputs[i], single.reference.output)).toBeLessThan(1e-4);
    }
  });
});
