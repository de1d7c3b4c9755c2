/**
 * DiT parity checks at full precision against a bundle's goldens (docs/bundle-format.md): the plain forward
 * `tf.out` (two rows, one of them the null class), and the DDPM and DDIM trajectories.
 */
import { tensorAsF32, tensorI32, type SafetensorsFile } from '../../../src/models/bundle/index.ts';
import type { DitManifest } from '../../../src/models/bundle/types.ts';
import { FULL_PRECISION } from '../../../src/quant/setting';
import type { KernelSet } from '../../../src/models/runtime/kernelSet';
import { DitModel } from '../../../src/models/dit/ditModel';
import { ditForwardOnce } from '../../../src/models/dit/ditForward';
import { DitSampler, type DitMethod } from '../../../src/models/dit/ditSampler';
import { readF32 } from '../../../src/gpu/buffers';
import { maxRelativeError } from './compare';
import { ditGoldenSettings, type DitGoldenSettings } from './goldenSettings';
import { row, type ParityRow } from './parityTypes';

export interface DitParityInput {
  readonly bundle: {
    readonly manifest: DitManifest;
    readonly weights?: SafetensorsFile;
    readonly goldens?: SafetensorsFile;
  };
}

export async function ditParity(device: GPUDevice, kernels: KernelSet, input: DitParityInput): Promise<ParityRow[]> {
  const { manifest, goldens } = input.bundle;
  if (!goldens) throw new Error(`${manifest.id} has no goldens`);
  const id = manifest.id;
  const f32 = (name: string) => tensorAsF32(goldens, name);
  // Steps, cfg and class of the goldens' own metadata: `sampling` holds the app's defaults (250 steps for official DiT).
  const settings = ditGoldenSettings(manifest, goldens);
  const rows: ParityRow[] = [];
  const model = DitModel.load(device, input.bundle, FULL_PRECISION, { kernels });
  try {
    const out = await ditForwardOnce(
      model,
      f32('tf.x'),
      Array.from(tensorI32(goldens, 'tf.t')),
      Array.from(tensorI32(goldens, 'tf.y')),
    );
    rows.push(row(id, 'tf', 'out', maxRelativeError(out, f32('tf.out'))));
    rows.push(...(await trajectory(model, id, settings, 'ddpm', f32)));
    rows.push(...(await trajectory(model, id, settings, 'ddim', f32)));
  } finally {
    model.destroy();
  }
  return rows;
}

/** The whole sampler with the recorded noise: every step's x_t, model outputs and x_next, then the latent. */
async function trajectory(
  model: DitModel,
  id: string,
  settings: DitGoldenSettings,
  method: DitMethod,
  f32: (name: string) => Float32Array,
): Promise<ParityRow[]> {
  const { cfg, steps, label } = settings;
  const prefix = method === 'ddpm' ? '' : 'ddim.';
  const sampler = new DitSampler(model);
  const rows: ParityRow[] = [];
  try {
    const stepNoise = method === 'ddpm' ? Array.from({ length: steps }, (_, n) => f32(`step${n}.noise`)) : undefined;
    const result = await sampler.sample({
      labels: [label],
      cfg,
      method,
      steps,
      noise: { initial: f32(`${prefix}step0.x_t`), stepNoise },
      trace: { xT: true, modelOut: true, xNext: true },
    });
    for (const t of result.steps) {
      const step = `${prefix}step${t.step}`;
      const compare = (tensor: string, ours: Float32Array | undefined) =>
        rows.push(row(id, step, tensor, maxRelativeError(ours!, f32(`${step}.${tensor}`))));
      compare('x_t', t.xT);
      if (method === 'ddpm') {
        compare('out_cond', t.outCond);
        compare('out_uncond', t.outUncond);
      }
      compare('out_cfg', t.outCfg);
      compare('x_next', t.xNext);
    }
    const latent = await readF32(model.device, result.latent, 0, model.latentElements);
    rows.push(
      row(id, method === 'ddpm' ? 'final' : 'ddim.final', 'latent', maxRelativeError(latent, f32(`${prefix}latent`))),
    );
  } finally {
    sampler.destroy();
  }
  return rows;
}
