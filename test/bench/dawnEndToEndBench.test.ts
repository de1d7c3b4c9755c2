/**
 * The end-to-end bench's time per image without a browser: the real samplers (VarSampler, DitSampler, weights
 * quantised as the engine does, tools/bench/src/e2e/generatorUnderTest.ts) on Dawn for Node, for GPU servers with no
 * Chromium and no network (tools/bench/gpu-check.sh). The ONNX decoders need onnxruntime-web in a browser, so only
 * sampling is timed (the page's `sample` column); bundles are read from public/models (or MODEL_BUNDLES_DIR).
 * Settings of a model run round-robin, one image each per round, as in the page (imageTiming.ts); the ratio to fp32 is
 * of the same run.
 *
 *   BENCH_DAWN_E2E=1 BENCH_OUT=out.json [BENCH_MODELS=mnist-var-d2,mnist-dit-d2] [BENCH_SETTINGS=fp32,W4g32,W4g32-A8]
 *     [BENCH_REPS=5] [BENCH_DIT_STEPS=10] [DAWN_ADAPTER=gpu|fallback] npx vitest run --project unit \
 *     test/bench/dawnEndToEndBench.test.ts
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { BundleStore } from '../../src/engine/generation/bundleStore';
import { KernelSet } from '../../src/models/runtime/kernelSet';
import { adapterProfile } from '../../src/kernels';
import { summarize, type TimingStats } from '../../tools/bench/src/stats';
import { GeneratorUnderTest, lazyTokenizer } from '../../tools/bench/src/e2e/generatorUnderTest';
import { diskSource, MODELS_DIR } from '../gpu/models/bundles';
import { testDevice } from '../gpu/device';

const enabled = process.env.BENCH_DAWN_E2E === '1';
const list = (value: string | undefined, fallback: string): string[] => (value ?? fallback).split(',').filter(Boolean);

interface SampleRow {
  model: string;
  setting: string;
  steps: number;
  bitsPerWeight: number;
  loadMs: number;
  warmupMs: number;
  sample: TimingStats;
  speedupVsFp32: number;
}

describe.skipIf(!enabled)('end-to-end sampling bench on Dawn for Node', () => {
  it('times each model x setting round-robin and writes its JSON', { timeout: 30 * 60_000 }, async () => {
    const models = list(process.env.BENCH_MODELS, 'mnist-var-d2,mnist-dit-d2');
    const settings = list(process.env.BENCH_SETTINGS, 'fp32,W4g32,W4g32-A8');
    const reps = Number(process.env.BENCH_REPS ?? 5);
    const ditSteps = Number(process.env.BENCH_DIT_STEPS ?? 10);
    const seed = 7;
    const device = await testDevice();
    const info = (device as { adapterInfo?: GPUAdapterInfo }).adapterInfo;
    const profile = adapterProfile(device);
    console.log(
      `[e2e] adapter: ${info?.vendor ?? '?'} / ${info?.architecture ?? '?'} / ${info?.description ?? '?'} (${profile.kind}); models ${models.join(', ')}; settings ${settings.join(', ')}; ${reps} rounds`,
    );
    const kernels = new KernelSet(device);
    const store = new BundleStore(diskSource);
    const loadBefore = os.loadavg()[0];
    const rows: SampleRow[] = [];
    const started = performance.now();
    for (const id of models) {
      const bundles = await store.load(id);
      const tokenizer = lazyTokenizer(device, bundles);
      const loaded: {
        setting: string;
        generator: GeneratorUnderTest;
        loadMs: number;
        warmupMs: number;
        ms: number[];
      }[] = [];
      try {
        for (const setting of settings) {
          const t0 = performance.now();
          const generator = GeneratorUnderTest.load(device, bundles, setting, kernels, tokenizer.get, ditSteps);
          await device.queue.onSubmittedWorkDone();
          const t1 = performance.now();
          (await generator.sample([0], seed)).destroy();
          loaded.push({ setting, generator, loadMs: t1 - t0, warmupMs: performance.now() - t1, ms: [] });
        }
        for (let round = 1; round <= reps; round++) {
          for (const l of loaded) {
            const t0 = performance.now();
            const output = await l.generator.sample([round % 10], seed + round);
            l.ms.push(performance.now() - t0);
            output.destroy();
          }
          console.log(
            `[e2e] ${id} round ${round}/${reps}: ${loaded.map((l) => `${l.setting} ${l.ms.at(-1)!.toFixed(1)}`).join(', ')} ms`,
          );
        }
        const fp32 = loaded.find((l) => l.setting === 'fp32');
        for (const l of loaded) {
          const sample = summarize(l.ms);
          rows.push({
            model: id,
            setting: l.setting,
            steps: l.generator.steps,
            bitsPerWeight: l.generator.bitsPerWeight,
            loadMs: l.loadMs,
            warmupMs: l.warmupMs,
            sample,
            speedupVsFp32: fp32 ? summarize(fp32.ms).medianMs / sample.medianMs : Number.NaN,
          });
        }
      } finally {
        for (const l of loaded) l.generator.destroy();
        tokenizer.destroy();
      }
    }
    kernels.destroy();
    const table = rows.map(
      (r) =>
        `${r.model.padEnd(14)} ${r.setting.padEnd(10)} steps ${String(r.steps).padStart(3)}  sample ${r.sample.medianMs.toFixed(1).padStart(8)} ms (min ${r.sample.minMs.toFixed(1)})  x vs fp32 ${r.speedupVsFp32.toFixed(2)}`,
    );
    console.log(table.join('\n'));
    const out = {
      schema: 'quant-gen-playground/e2e-dawn-bench@1',
      method:
        'time per image of the sampler only (no ONNX decoder: onnxruntime-web needs a browser), batch 1, wall clock from the sampler call until queue.onSubmittedWorkDone; settings round-robin per round after one untimed image; speedupVsFp32 = fp32 median / setting median, same run',
      adapter: {
        vendor: info?.vendor,
        architecture: info?.architecture,
        description: info?.description,
        profile,
      },
      config: { models, settings, reps, ditSteps, seed, modelsDir: MODELS_DIR },
      rows,
      machine: {
        cpuModel: os.cpus()[0]?.model ?? 'unknown',
        cores: os.cpus().length,
        node: process.version,
        loadAverage1mBefore: Math.round(loadBefore * 100) / 100,
        loadAverage1mAfter: Math.round(os.loadavg()[0] * 100) / 100,
      },
      runMs: performance.now() - started,
      date: new Date().toISOString(),
    };
    const file = process.env.BENCH_OUT ?? 'bench-results/end-to-end-dawn.json';
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, `${JSON.stringify(out, null, 1)}\n`);
    console.log(`wrote ${file}: ${rows.length} rows`);
    expect(rows.length).toBe(models.length * settings.length);
    for (const r of rows) expect(r.sample.medianMs).toBeGreaterThan(0);
  });
});
