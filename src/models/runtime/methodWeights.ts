/**
 * Weights prepared by a calibration-based method before upload, per Linear name: SmoothQuant and GPTQ
 * (the packed weight from gptqQuantize on H = 2 X^T X). GpuLinear takes a PreparedLinear in place of
 * quantising the bundle's weight itself. Linears the setting leaves alone get no entry.
 *
 * SmoothQuant smooths only the Linears whose 1/s folds into the operation before them, as in the paper: qkv and
 * fc1, whose input is the adaLN-modulated LayerNorm output x_mod = LN(x) (1 + scale) + shift. For those,
 * W' = W diag(s) is quantised with the setting's quantiser and 1/s is folded into the block's adaLN Linear,
 * whose output rows produce scale and shift: x_mod / s = LN(x) (1 + scale') + shift' with
 *   scale' = (1 + scale) / s - 1   -> adaLN rows of that scale chunk: W_r / s_j, bias (1 + b_r) / s_j - 1
 *   shift' = shift / s             -> adaLN rows of that shift chunk: W_r / s_j, bias b_r / s_j
 * (the chunks feed only that LayerNorm's modulation). The folded adaLN is then quantised like any adaLN (its
 * rows are scaled, so per-channel and per-group scales absorb the fold up to their f16 rounding). proj (after
 * attention), fc2 (after GELU), adaLN (after SiLU), embeddings and heads have no per-channel affine before them
 * and stay plain RTN. With `fold: false` (tests' unfolded reference) qkv and fc1 get 1/s as a run-time
 * per-channel multiply inside their activation fake quant instead, and adaLN is untouched.
 *
 * Before 2026-12-03 every activation-quantised Linear was smoothed with a run-time 1/s (fc2 and proj too),
 * which no deployment can fold.
 */
/*
 * GPTQ here uses Hessians from the full-precision model's inputs for every layer at once (one calibration run),
 * not the published sequential recipe that re-collects each block's inputs after quantising the blocks before it.
 */
import { quantizeWeight } from '../../quant/quantizeWeight';
import { smoothLinear, smoothedTensorScale } from '../../quant/smoothQuant';
import { gptqHessian, gptqQuantize } from '../../quant/gptq';
import type { PackedWeight } from '../../quant/formats';
import { settingToString, type QuantSetting } from '../../quant/setting';
import { activationQuantized, weightQuantized, type LinearSpec } from './layers';
import type { LinearInputStats } from './linearInputs';
import { ModelError } from './errors';

export interface PreparedLinear {
  /** f32 [rows]: replaces the bundle's bias (the adaLN Linear with SmoothQuant's 1/s folded in). */
  readonly bias?: Float32Array;
  /** The weight to upload packed (quantised already). */
  readonly packed?: PackedWeight;
  /** The weight to upload as f32 (a smoothed weight the setting does not quantise). */
  readonly weight?: Float32Array;
  /** f32 [cols]: SmoothQuant's 1/s, applied to the input before its fake quantisation. */
  readonly inputScale?: Float32Array;
  /** Static per-tensor activation scale of the smoothed input (per-tensor activation settings). */
  readonly staticScale?: number;
}

export interface MethodHooks {
  /** Called before each layer GPTQ quantises: (index from 1, count, Linear name). */
  progress(done: number, total: number, name: string): void;
  /** Awaited between layers: throw to cancel (the engine checks for a cancel here). */
  checkpoint(): Promise<void>;
}

/** Where SmoothQuant's 1/s of a Linear folds: its block's adaLN Linear and the chunks (of 6) holding scale and shift. */
export interface SmoothFold {
  readonly adaLN: string;
  readonly scaleChunk: number;
  readonly shiftChunk: number;
}

/**
 * The fold target of a Linear, or undefined when its input has no per-channel affine before it. VAR blocks:
 * ada_lin chunks gamma1, gamma2, scale1, scale2, shift1, shift2; DiT blocks: shift_msa, scale_msa, gate_msa,
 * shift_mlp, scale_mlp, gate_mlp.
 */
export function smoothFoldOf(name: string): SmoothFold | undefined {
  const m = /^(blocks\.\d+)\.(attn\.mat_qkv|ffn\.fc1|attn\.qkv|mlp\.fc1)$/.exec(name);
  if (!m) return undefined;
  const [, block, layer] = m;
  switch (layer) {
    case 'attn.mat_qkv':
      return { adaLN: `${block}.ada_lin.1`, scaleChunk: 2, shiftChunk: 4 };
    case 'ffn.fc1':
      return { adaLN: `${block}.ada_lin.1`, scaleChunk: 3, shiftChunk: 5 };
    case 'attn.qkv':
      return { adaLN: `${block}.adaLN_modulation.1`, scaleChunk: 1, shiftChunk: 0 };
    default:
      return { adaLN: `${block}.adaLN_modulation.1`, scaleChunk: 4, shiftChunk: 3 };
  }
}

/**
 * adaLN weight [6C, K] and bias [6C] with 1/s (f32 `inputScale` [C]) folded into the rows of one scale chunk and
 * one shift chunk (new arrays; the inputs are not changed).
 */
export function foldSmoothing(
  weight: Float32Array,
  bias: Float32Array,
  cols: number,
  fold: SmoothFold,
  inputScale: Float32Array,
): { weight: Float32Array; bias: Float32Array } {
  const C = inputScale.length;
  if (bias.length !== 6 * C || weight.length !== 6 * C * cols) {
    throw new ModelError(
      'setting-unsupported',
      `SmoothQuant fold into ${fold.adaLN}: expected 6 x ${C} rows, got bias ${bias.length} and weight ${weight.length} values.`,
      'Engine bug: the fold target does not match the smoothed Linear.',
    );
  }
  const w = Float32Array.from(weight);
  const b = Float32Array.from(bias);
  for (let j = 0; j < C; j++) {
    const inv = inputScale[j];
    const rs = fold.scaleChunk * C + j;
    const rh = fold.shiftChunk * C + j;
    for (let k = 0; k < cols; k++) {
      w[rs * cols + k] = weight[rs * cols + k] * inv;
      w[rh * cols + k] = weight[rh * cols + k] * inv;
    }
    b[rs] = (1 + bias[rs]) * inv - 1;
    b[rh] = bias[rh] * inv;
  }
  return { weight: w, bias: b };
}

/** The Linears a method changes, and whether it needs X^T X for them. */
export function methodLinears(setting: QuantSetting, specs: readonly LinearSpec[]): LinearSpec[] {
  const m = setting.method.kind;
  if (m === 'smoothquant') return specs.filter((s) => activationQuantized(setting, s.kind));
  if (m === 'gptq') return specs.filter((s) => weightQuantized(setting, s.kind));
  return [];
}

export function requireMethodSupported(setting: QuantSetting): void {
  if (setting.method.kind === 'smoothquant' && setting.activation.format.kind === 'none') {
    throw new ModelError(
      'setting-unsupported',
      `${settingToString(setting)}: SmoothQuant moves activation outliers into the weights so that activations quantise better; with A16 there is no activation quantisation to help.`,
      'Add an activation format (e.g. W8c-A8-sq0.5) or drop the sq method.',
    );
  }
}

/**
 * The modifiers (-had, -lr, -tg, -mp) this engine runs for a model of `family` (undefined: where the family is not
 * known, e.g. one Linear; the family check then waits for the model). -had runs with RTN and clipping on per-token
 * or unquantised activations; -mp is resolved by the engine (per-Linear settings); -lr and -tg are parsed but not
 * implemented yet, so they are refused rather than ignored.
 */
export function requireTransformsSupported(setting: QuantSetting, family?: 'var' | 'dit'): void {
  const t = setting.transforms;
  if (!t) return;
  const text = settingToString(setting);
  const refuse = (problem: string, fix: string): never => {
    throw new ModelError('setting-unsupported', `${text}: ${problem}`, fix);
  };
  if (t.timestepGroups !== undefined && family === 'var')
    refuse(
      'VAR predicts scales, not timesteps, so -tg<k> (activation scales per group of timesteps) has nothing to group.',
      'Drop -tg<k>, or pick a DiT model.',
    );
  // -mp is resolved by the engine into per-Linear uniform settings before any Linear is built (mixedPrecisionSettings.ts).
  for (const [key, token] of [
    ['lowRank', '-lr<rank>'],
    ['timestepGroups', '-tg<k>'],
  ] as const)
    if (t[key] !== undefined)
      refuse(
        `the ${token} modifier is part of the setting grammar but this engine does not run it yet.`,
        `Drop ${token.replace(/<.*>/, '')}${t[key]} from the setting (issue 15 tracks it).`,
      );
  if (!t.hadamard) return;
  if (setting.method.kind === 'smoothquant' || setting.method.kind === 'gptq')
    refuse(
      `-had with ${setting.method.kind === 'gptq' ? 'GPTQ' : 'SmoothQuant'} is not implemented yet (its calibration statistics would have to be rotated too).`,
      'Use -had with RTN or -clip, or drop -had.',
    );
  if (setting.activation.perTensor && setting.activation.format.kind !== 'none')
    refuse(
      '-had with a per-tensor static activation scale is not implemented yet (the scales are calibrated on unrotated inputs).',
      'Use per-token activations (e.g. -A8 instead of -A8t) with -had, or drop -had.',
    );
}

export interface PrepareOptions {
  /** SmoothQuant: fold 1/s into the adaLN modulation (default); false applies it at run time (reference). */
  readonly fold?: boolean;
}

export async function prepareMethodWeights(
  setting: QuantSetting,
  specs: readonly LinearSpec[],
  read: (name: string) => Float32Array,
  stats: ReadonlyMap<string, LinearInputStats>,
  hooks: MethodHooks,
  options: PrepareOptions = {},
): Promise<Map<string, PreparedLinear>> {
  requireMethodSupported(setting);
  const method = setting.method;
  const targets = methodLinears(setting, specs);
  const out = new Map<string, PreparedLinear>();
  const missing = (name: string): never => {
    throw new ModelError(
      'calibration-missing',
      `${settingToString(setting)} needs calibration data for ${name}, which the calibration run did not record.`,
      'Calibrate with calibrateLinearInputs on the full-precision model (with X^T X for GPTQ).',
    );
  };
  if (method.kind === 'smoothquant') {
    const fold = options.fold ?? true;
    const format = setting.activation.format;
    const perTensor = setting.activation.perTensor && format.kind !== 'none';
    const bySpec = new Map(specs.map((s) => [s.name, s]));
    const quantise = (spec: LinearSpec, w: Float32Array) =>
      weightQuantized(setting, spec.kind) && setting.weight
        ? quantizeWeight(w, spec.rows, spec.cols, setting.weight.format, setting.weight.granularity)
        : undefined;
    // adaLN weights with folds applied so far, by name (a block's qkv and fc1 fold into the same adaLN).
    const folded = new Map<string, { weight: Float32Array; bias: Float32Array }>();
    for (const spec of targets) {
      const s = stats.get(spec.name) ?? missing(spec.name);
      const target = smoothFoldOf(spec.name);
      if (!target) {
        // Nothing before this Linear can absorb 1/s: plain RTN (GpuLinear quantises the bundle's weight), with the
        // static scale of its unchanged input for per-tensor settings.
        const ones = new Float32Array(spec.cols).fill(1);
        out.set(spec.name, { staticScale: perTensor ? smoothedTensorScale(s.channelAbsMax, ones, format) : undefined });
        continue;
      }
      const w = read(`${spec.name}.weight`);
      const smoothed = smoothLinear(w, spec.rows, spec.cols, s.channelAbsMax, method.alpha);
      const staticScale = perTensor ? smoothedTensorScale(s.channelAbsMax, smoothed.inputScale, format) : undefined;
      const packed = quantise(spec, smoothed.weight);
      out.set(spec.name, {
        packed,
        weight: packed ? undefined : smoothed.weight,
        inputScale: fold ? undefined : smoothed.inputScale,
        staticScale,
      });
      if (!fold) continue;
      const ada = bySpec.get(target.adaLN);
      if (!ada || ada.bias !== 'tensor')
        throw new ModelError(
          'setting-unsupported',
          `SmoothQuant: ${spec.name} folds into ${target.adaLN}, which this model lacks.`,
          'Engine bug: update smoothFoldOf for this model family.',
        );
      const before = folded.get(ada.name) ?? { weight: read(`${ada.name}.weight`), bias: read(`${ada.name}.bias`) };
      folded.set(ada.name, foldSmoothing(before.weight, before.bias, ada.cols, target, smoothed.inputScale));
    }
    for (const [name, f] of folded) {
      const ada = bySpec.get(name)!;
      const packed = quantise(ada, f.weight);
      const previous = out.get(name);
      out.set(name, {
        packed,
        weight: packed ? undefined : f.weight,
        bias: f.bias,
        staticScale: previous?.staticScale,
      });
    }
    return out;
  }
  for (let i = 0; i < targets.length; i++) {
    const spec = targets[i];
    const s = stats.get(spec.name);
    if (!s || (method.kind === 'gptq' && !s.gram)) missing(spec.name);
    const w = read(`${spec.name}.weight`);
    if (method.kind === 'gptq' && setting.weight) {
      await hooks.checkpoint();
      hooks.progress(i + 1, targets.length, spec.name);
      out.set(spec.name, {
        packed: gptqQuantize(
          w,
          spec.rows,
          spec.cols,
          setting.weight.format,
          setting.weight.granularity,
          gptqHessian(s!.gram!),
        ),
      });
    }
  }
  if (method.kind === 'gptq') await hooks.checkpoint();
  return out;
}
