/**
 * Per-input-channel magnitudes of the qkv, fc1 and fc2 inputs of every block, over a few images generated at
 * fp32. Reuses the activation-calibration path (ActivationRecorder copies each Linear's input aside while the
 * sampler runs, src/models/runtime/linearInputs.ts) with only these Linears recorded, then reduces the
 * read-back rows per channel on the CPU (channelStats.ts). Sizes are tiny (a few hundred rows of <= 4C values
 * per Linear and step).
 */
import { ActivationRecorder } from '../../models/runtime/linearInputs';
import type { BufferSlice } from '../../kernels';
import { FULL_PRECISION } from '../../quant/setting';
import type { RunContext } from '../runContext';
import type { LoadedBundles } from '../generation/bundleStore';
import type { DeviceModels } from '../generation/deviceModels';
import { CALIBRATION } from '../generation/calibration';
import { channelStats, maxOverMedian } from './channelStats';
import { rotateRows } from '../../quant/hadamard';
import { linearSpecs } from './blockLinears';
import { requireAnalysis } from './errors';
import type { ActivationLayer, ActivationStatsParams, ActivationStatsResult, ChannelMagnitudes } from './types';

export const ACTIVATION_LIMITS = { maxSamples: 40, maxDitSteps: 100 } as const;

const LAYERS: readonly ActivationLayer[] = ['qkv', 'fc1', 'fc2'];

/** An ActivationRecorder that copies only the named Linears' inputs. */
class SelectedInputsRecorder extends ActivationRecorder {
  constructor(
    device: GPUDevice,
    private readonly names: ReadonlySet<string>,
  ) {
    super(device);
  }

  override record(encoder: GPUCommandEncoder, name: string, x: BufferSlice, elements: number): void {
    if (this.names.has(name)) super.record(encoder, name, x, elements);
  }
}

export function validateActivationParams(p: ActivationStatsParams): void {
  requireAnalysis(
    Number.isInteger(p.samples) && p.samples >= 1 && p.samples <= ACTIVATION_LIMITS.maxSamples,
    `samples ${p.samples} is outside 1..${ACTIVATION_LIMITS.maxSamples}.`,
    'A few images are enough to show outlier channels; use e.g. 4.',
  );
  requireAnalysis(
    Number.isInteger(p.seed) && p.seed >= 0,
    `seed ${p.seed} is not a non-negative integer.`,
    'Pass a whole number seed such as 0.',
  );
  if (p.ditSampler !== undefined)
    requireAnalysis(
      p.ditSampler === 'ddpm' || p.ditSampler === 'ddim',
      `sampler '${String(p.ditSampler)}' is unknown.`,
      "Use 'ddpm' or 'ddim'.",
    );
  if (p.ditSteps !== undefined)
    requireAnalysis(
      Number.isInteger(p.ditSteps) && p.ditSteps >= 1 && p.ditSteps <= ACTIVATION_LIMITS.maxDitSteps,
      `ditSteps ${p.ditSteps} is outside 1..${ACTIVATION_LIMITS.maxDitSteps}.`,
      'Use e.g. 10 DDPM steps.',
    );
}

export async function measureActivations(
  state: DeviceModels,
  bundles: LoadedBundles,
  p: ActivationStatsParams,
  run: RunContext,
): Promise<ActivationStatsResult> {
  const m = bundles.model.manifest;
  const specs = linearSpecs(bundles.model).filter(
    (s): s is typeof s & { kind: ActivationLayer } =>
      s.name.startsWith('blocks.') && (LAYERS as readonly string[]).includes(s.kind),
  );
  const entry = state.model(bundles, FULL_PRECISION);
  const labels = Array.from({ length: p.samples }, (_, i) => i % m.config.numClasses);
  const steps = m.family === 'var' ? m.config.patchNums.length : (p.ditSteps ?? CALIBRATION.ditSteps);
  let done = 0;
  const onStep = () => {
    run.checkpoint();
    state.throwIfLost();
    run.progress(++done / (steps + 1), `${m.id}: step ${done} of ${steps}`);
  };
  const recorder = new SelectedInputsRecorder(state.device, new Set(specs.map((s) => s.name)));
  entry.model.weights.setRecorder(recorder);
  try {
    try {
      if (entry.family === 'var' && m.family === 'var') {
        await entry.sampler.sample({
          labels,
          cfg: m.sampling.cfg,
          topK: m.sampling.topK,
          topP: m.sampling.topP,
          seed: p.seed,
          onStep,
        });
      } else if (entry.family === 'dit' && m.family === 'dit') {
        await entry.sampler.sample({
          labels,
          cfg: m.sampling.cfg,
          method: p.ditSampler ?? 'ddpm',
          steps,
          seed: p.seed,
          onStep,
        });
      }
    } finally {
      entry.model.weights.setRecorder(undefined);
    }
    run.progress(steps / (steps + 1), 'Reading the recorded inputs back');
    const samples = await recorder.samples();
    const layers: ChannelMagnitudes[] = specs.map((spec) => {
      const chunks = samples.get(spec.name) ?? [];
      const stats = channelStats(chunks, spec.cols);
      // What -had's activation quantiser sees: the same rows rotated (the rotation's purpose is to flatten outliers).
      const rotated = channelStats(
        chunks.map((c) => rotateRows(c, c.length / spec.cols, spec.cols)),
        spec.cols,
      );
      return {
        block: Number(spec.name.split('.')[1]),
        layer: spec.kind,
        linear: spec.name,
        channels: spec.cols,
        rows: stats.rows,
        maxAbs: stats.maxAbs,
        meanAbs: stats.meanAbs,
        maxOverMedian: maxOverMedian(stats.maxAbs),
        rotated: { maxAbs: rotated.maxAbs, meanAbs: rotated.meanAbs, maxOverMedian: maxOverMedian(rotated.maxAbs) },
      };
    });
    return { modelId: m.id, family: m.family, depth: m.config.depth, samples: p.samples, steps, layers };
  } finally {
    recorder.destroy();
  }
}
