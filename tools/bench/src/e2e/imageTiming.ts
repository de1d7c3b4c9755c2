/**
 * Time per image of one generator at each setting: the sampler (until the GPU is done) and the decoder (ONNX on
 * the sampler's output, images read back), wall clock. All settings of a model are loaded first and then run
 * round-robin, one image (or batch) of each per round, so that a change in the machine's load (a CPU adapter
 * shares the cores with everything else) hits every setting alike and the ratios to fp32 stay fair.
 */
import type { LoadedBundles } from '../../../../src/engine/generation/bundleStore';
import type { KernelSet } from '../../../../src/models/runtime/kernelSet';
import { summarize } from '../stats';
import { BenchError } from './benchError';
import type { EndToEndConfig } from './endToEndConfig';
import type { ImageMeasurement } from './endToEndTypes';
import { GeneratorUnderTest, lazyTokenizer, type Decoder } from './generatorUnderTest';

interface Samples {
  sample: number[];
  decode: number[];
  total: number[];
}

/** Images must be finite and in the decoder's [-1, 1] range (it clamps): a broken run is not a timing. */
export function checkImages(images: Float32Array, id: string): void {
  for (let i = 0; i < images.length; i++) {
    const v = images[i];
    if (!(v >= -1 - 1e-6 && v <= 1 + 1e-6)) {
      throw new BenchError(
        'output-invalid',
        `${id}: decoded pixel ${i} is ${v}, outside [-1, 1].`,
        'Run the engine tests (npm run test:gpu) for this model and setting; the bench only times working runs.',
      );
    }
  }
}

export async function timeImages(
  device: GPUDevice,
  bundles: LoadedBundles,
  kernels: KernelSet,
  decoder: Decoder,
  config: EndToEndConfig,
  batch: number,
  reps: number,
  log: (message: string) => void,
): Promise<ImageMeasurement[]> {
  const id = bundles.model.manifest.id;
  const tokenizer = lazyTokenizer(device, bundles);
  const loaded: {
    setting: string;
    generator: GeneratorUnderTest;
    loadMs: number;
    warmupMs: number;
    samples: Samples;
  }[] = [];
  const labels = (round: number) => Array.from({ length: batch }, (_, i) => (config.classLabel + round + i) % 10);
  const runOnce = async (
    generator: GeneratorUnderTest,
    round: number,
    what: string,
  ): Promise<{ sample: number; decode: number }> => {
    const t0 = performance.now();
    const output = await generator.sample(labels(round), config.seed + round);
    const t1 = performance.now();
    const image = await decoder.decode(output, batch);
    try {
      checkImages(await image.read(), what);
    } finally {
      image.dispose();
    }
    return { sample: t1 - t0, decode: performance.now() - t1 };
  };
  try {
    for (const setting of config.settings) {
      const t0 = performance.now();
      const generator = GeneratorUnderTest.load(device, bundles, setting, kernels, tokenizer.get, config.ditSteps);
      await device.queue.onSubmittedWorkDone();
      const loadMs = performance.now() - t0;
      const warm = await runOnce(generator, 0, `${id}/${setting}/b${batch}`);
      loaded.push({
        setting,
        generator,
        loadMs,
        warmupMs: warm.sample + warm.decode,
        samples: { sample: [], decode: [], total: [] },
      });
      log(
        `${id} ${setting} b${batch}: loaded in ${loadMs.toFixed(0)} ms, first image(s) ${(warm.sample + warm.decode).toFixed(0)} ms`,
      );
    }
    for (let round = 1; round <= reps; round++) {
      for (const l of loaded) {
        const { sample, decode } = await runOnce(l.generator, round, `${id}/${l.setting}/b${batch}`);
        l.samples.sample.push(sample / batch);
        l.samples.decode.push(decode / batch);
        l.samples.total.push((sample + decode) / batch);
      }
      log(
        `${id} b${batch}: round ${round}/${reps} (${loaded.map((l) => `${l.setting} ${l.samples.total.at(-1)!.toFixed(0)}`).join(', ')} ms/image)`,
      );
    }
    return loaded.map((l) => ({
      model: id,
      family: l.generator.family,
      setting: l.setting,
      batch,
      steps: l.generator.steps,
      bitsPerWeight: l.generator.bitsPerWeight,
      loadMs: l.loadMs,
      warmupMs: l.warmupMs / batch,
      sample: summarize(l.samples.sample),
      decode: summarize(l.samples.decode),
      total: summarize(l.samples.total),
    }));
  } finally {
    for (const l of loaded) l.generator.destroy();
    tokenizer.destroy();
  }
}
