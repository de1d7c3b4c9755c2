/**
 * VAR parity checks at full precision against a bundle's goldens (docs/bundle-format.md): the teacher-forced
 * logits, each KV-cache step from the golden step input (the forward alone), and the whole sampler replaying
 * the recorded uniforms (logits, tokens, f_hat per step: the chain).
 */
import { tensorAsF32, tensorI32, type SafetensorsFile } from '../../../src/models/bundle/index.ts';
import type { VarManifest, VqvaeManifest } from '../../../src/models/bundle/types.ts';
import { FULL_PRECISION } from '../../../src/quant/setting';
import type { KernelSet } from '../../../src/models/runtime/kernelSet';
import { Workspace } from '../../../src/models/runtime/workspace';
import { readF32, writeWords } from '../../../src/gpu/buffers';
import { VarModel } from '../../../src/models/var/varModel';
import { scaleStarts } from '../../../src/models/var/varConfig';
import { varTeacherForcedLogits } from '../../../src/models/var/varTeacherForced';
import { VarTokenizer } from '../../../src/models/var/varTokenizer';
import { VarSampler } from '../../../src/models/var/varSampler';
import { countMismatches, maxRelativeError } from './compare';
import { varGoldenSettings, type VarGoldenSettings } from './goldenSettings';
import { row, type ParityRow } from './parityTypes';

export interface VarParityInput {
  readonly bundle: {
    readonly manifest: VarManifest;
    readonly weights?: SafetensorsFile;
    readonly goldens?: SafetensorsFile;
  };
  readonly tokenizer: { readonly manifest: VqvaeManifest; readonly weights?: SafetensorsFile };
}

export async function varParity(device: GPUDevice, kernels: KernelSet, input: VarParityInput): Promise<ParityRow[]> {
  const { manifest, goldens } = input.bundle;
  if (!goldens) throw new Error(`${manifest.id} has no goldens`);
  const id = manifest.id;
  const f32 = (name: string) => tensorAsF32(goldens, name);
  // cfg / top-k / top-p of the goldens' own metadata, read before any GPU work: `sampling` holds the app's defaults.
  const settings = varGoldenSettings(manifest, goldens);
  const rows: ParityRow[] = [];
  const model = VarModel.load(device, input.bundle, FULL_PRECISION, { kernels });
  try {
    const label = tensorI32(goldens, 'tf.label')[0];
    rows.push(
      row(
        id,
        'tf',
        'logits',
        maxRelativeError(await varTeacherForcedLogits(model, [label], f32('tf.input')), f32('tf.logits')),
      ),
    );
    rows.push(...(await stepsFromGoldenInputs(model, id, label, f32)));
    rows.push(...(await sampledTrajectory(model, input, settings, label, f32, (name) => tensorI32(goldens, name))));
  } finally {
    model.destroy();
  }
  return rows;
}

/** Each scale's golden input (cond and uncond rows) through the KV-cache forward: logits per step. */
async function stepsFromGoldenInputs(
  model: VarModel,
  id: string,
  label: number,
  f32: (name: string) => Float32Array,
): Promise<ParityRow[]> {
  const { device } = model;
  const { patchNums, vocabSize: V, numClasses } = model.config;
  const ws = new Workspace(device, 'VarParity');
  const rows: ParityRow[] = [];
  try {
    ws.reserve(model.workspaceNeeds(2, 2 * Math.max(...patchNums) ** 2));
    let encoder = device.createCommandEncoder({ label: 'VarParity.conditioning' });
    model.encodeConditioning(encoder, ws, [label, numClasses]);
    device.queue.submit([encoder.finish()]);
    const starts = scaleStarts(patchNums);
    for (let k = 0; k < patchNums.length; k++) {
      const T = patchNums[k] ** 2;
      writeWords(device, ws.get('x'), 0, f32(`step${k}.input`));
      encoder = device.createCommandEncoder({ label: 'VarParity.step' });
      model.encodeTransformer(encoder, ws, { samples: 2, tokens: T, position: starts[k], masked: false });
      device.queue.submit([encoder.finish()]);
      const logits = await readF32(device, ws.get('logits'), 0, 2 * T * V);
      rows.push(
        row(
          id,
          `step${k}`,
          'logits_cond (golden input)',
          maxRelativeError(logits.subarray(0, T * V), f32(`step${k}.logits_cond`)),
        ),
      );
      rows.push(
        row(
          id,
          `step${k}`,
          'logits_uncond (golden input)',
          maxRelativeError(logits.subarray(T * V), f32(`step${k}.logits_uncond`)),
        ),
      );
    }
  } finally {
    ws.destroy();
  }
  return rows;
}

/** The whole sampler replaying the recorded uniforms: every step's input, logits, tokens and f_hat. */
async function sampledTrajectory(
  model: VarModel,
  input: VarParityInput,
  settings: VarGoldenSettings,
  label: number,
  f32: (name: string) => Float32Array,
  i32: (name: string) => Int32Array,
): Promise<ParityRow[]> {
  const id = input.bundle.manifest.id;
  const { cfg, topK, topP } = settings;
  const K = model.config.patchNums.length;
  const tokenizer = VarTokenizer.load(model.device, input.tokenizer);
  const sampler = new VarSampler(model, tokenizer);
  const rows: ParityRow[] = [];
  try {
    const uniforms = Array.from({ length: K }, (_, k) => f32(`step${k}.uniforms`));
    const result = await sampler.sample({
      labels: [label],
      cfg,
      topK,
      topP,
      uniforms,
      trace: { tokens: true, fHat: true, logits: true, input: true },
    });
    for (const s of result.steps) {
      const k = s.step;
      const compare = (tensor: string, ours: Float32Array | undefined) =>
        rows.push(row(id, `step${k}`, tensor, maxRelativeError(ours!, f32(`step${k}.${tensor}`))));
      compare('input', s.input);
      compare('logits_cond', s.logitsCond);
      compare('logits_uncond', s.logitsUncond);
      compare('logits_cfg', s.logitsCfg);
      const golden = i32(`step${k}.tokens`);
      rows.push(row(id, `step${k}`, 'tokens', countMismatches(s.tokens!, golden) / golden.length, 0));
      compare('f_hat', s.fHat);
    }
  } finally {
    sampler.destroy();
    tokenizer.destroy();
  }
  return rows;
}
