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
import { lowRankSplit, maxLowRank } from '../../quant/lowRank';
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
  /**
   * -lr: the rank-r branch added to the output, y += (x down^T) up^T on the Linear's own input x (src/quant/lowRank.ts);
   * `packed` then holds the quantised residual. Values are f16-exact (uploaded as f16).
   */
  readonly lowRank?: { readonly rank: number; readonly up: Float32Array; readonly down: Float32Array };
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
  if (setting.transforms?.lowRank !== undefined) return lowRankLinears(setting, specs);
  const m = setting.method.kind;
  if (m === 'smoothquant') return specs.filter((s) => activationQuantized(setting, s.kind));
  if (m === 'gptq') return specs.filter((s) => weightQuantized(setting, s.kind));
  return [];
}

export function requireMethodSupported(setting: QuantSetting): void {
  // -lr smooths with its own alpha (the sq method's, else 0.5) only where activations are quantised; with A16 its
  // branch works on the unsmoothed weight, so an sq method there changes nothing and is refused as before.
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
 * or unquantised activations; -mp is resolved by the engine (per-Linear settings); -lr runs with RTN, -clip or -sq
 * (prepareLowRank below); -tg is parsed but not implemented yet, so it is refused rather than ignored.
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
  if (t.timestepGroups !== undefined)
    refuse(
      'the -tg<k> modifier is part of the setting grammar but this engine does not run it yet.',
      `Drop -tg${t.timestepGroups} from the setting (issue 15 tracks it).`,
    );
  if (t.lowRank !== undefined) {
    const lr = `-lr${t.lowRank}`;
    if (!setting.weight)
      refuse(
        `${lr} splits quantised weights into a 16-bit branch and a low-bit residual; this setting keeps weights at full precision.`,
        `Add a weight format (e.g. W4g32-A4${lr}) or drop ${lr}.`,
      );
    if (setting.method.kind === 'gptq')
      refuse(
        `${lr} with GPTQ is not implemented yet (GPTQ would have to quantise the smoothed residual with a Hessian of the smoothed input).`,
        `Use ${lr} with RTN, -clip or -sq<alpha>, or drop one of the two.`,
      );
    if (t.hadamard)
      refuse(
        `${lr} with -had is not implemented yet (the branch and the smoothing would have to work in the rotated space).`,
        `Use either ${lr} or -had.`,
      );
    if (t.mixedBits !== undefined)
      refuse(
        `${lr} with -mp is not implemented yet (the sensitivity table was measured without a branch).`,
        `Use either ${lr} or -mp${t.mixedBits}.`,
      );
  }
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
  if (setting.transforms?.lowRank !== undefined) return prepareLowRank(setting, specs, read, stats, hooks, options);
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

/** -lr: the Linears that get a branch (those whose weight the setting quantises). */
export function lowRankLinears(setting: QuantSetting, specs: readonly LinearSpec[]): LinearSpec[] {
  return specs.filter((s) => weightQuantized(setting, s.kind));
}

/** -lr smooths (and so needs the per-channel input absmax) exactly when the setting quantises activations. */
export function lowRankNeedsCalibration(setting: QuantSetting): boolean {
  return setting.transforms?.lowRank !== undefined && setting.activation.format.kind !== 'none';
}

/** SmoothQuant's migration strength for -lr: the setting's -sq<alpha>, else SVDQuant's 0.5. */
export const LOW_RANK_DEFAULT_ALPHA = 0.5;

/**
 * -lr<r> must be smaller than every Linear it applies to (min(N, K) - 1 at most): refused before any calibration
 * or upload, naming the first Linear too small, its shape and the largest rank the model takes.
 */
export function requireLowRankFits(setting: QuantSetting, specs: readonly LinearSpec[]): void {
  const rank = setting.transforms?.lowRank;
  if (rank === undefined) return;
  const targets = lowRankLinears(setting, specs);
  if (targets.length === 0) return;
  const largest = Math.min(...targets.map((s) => maxLowRank(s.rows, s.cols)));
  const tooSmall = targets.find((s) => rank > maxLowRank(s.rows, s.cols));
  if (tooSmall)
    throw new ModelError(
      'setting-unsupported',
      `${settingToString(setting)}: rank ${rank} does not fit ${tooSmall.name} (${tooSmall.rows} x ${tooSmall.cols}: its branch would be as large as the weight); the largest rank for this model's quantised Linears is ${largest}.`,
      largest >= 1
        ? `Use -lr${Math.min(largest, rank)} or lower, or leave ${tooSmall.kind} out of the setting's layers.`
        : `Leave ${tooSmall.kind} out of the setting's layers, or drop -lr.`,
    );
}

/** Whether -lr folds a Linear's 1/s into the adaLN before it (only when that adaLN is quantised too, see below). */
function lowRankFold(setting: QuantSetting, spec: LinearSpec, bySpec: ReadonlyMap<string, LinearSpec>, fold: boolean) {
  const target = smoothFoldOf(spec.name);
  const ada = target && bySpec.get(target.adaLN);
  return fold && target && ada && ada.bias === 'tensor' && weightQuantized(setting, ada.kind) ? target : undefined;
}

/**
 * GPU buffers -lr adds to a Linear beyond its packed residual (for the memory plan, before anything is uploaded):
 * the f16 up [N, r] and down [r, K] factors, and the f32 run-time 1/s of a smoothed input that is not folded.
 */
export function lowRankBuffers(
  spec: LinearSpec,
  setting: QuantSetting,
): { name: string; part: 'weights' | 'other'; bytes: number }[] {
  const rank = setting.transforms?.lowRank;
  if (rank === undefined || !weightQuantized(setting, spec.kind)) return [];
  const out: { name: string; part: 'weights' | 'other'; bytes: number }[] = [
    { name: `${spec.name}.lowRank.up`, part: 'weights', bytes: Math.ceil((spec.rows * rank) / 2) * 4 },
    { name: `${spec.name}.lowRank.down`, part: 'weights', bytes: Math.ceil((rank * spec.cols) / 2) * 4 },
  ];
  if (activationQuantized(setting, spec.kind) && !(smoothFoldOf(spec.name) && weightQuantized(setting, 'adaLN')))
    out.push({ name: `${spec.name}.inputScale`, part: 'other', bytes: spec.cols * 4 });
  return out;
}

/**
 * -lr<r> (SVDQuant): per quantised Linear, smooth (when activations are quantised), split the smoothed weight into
 * an f16 rank-r branch and a residual (src/quant/lowRank.ts), quantise the residual with the setting's weight
 * quantiser (RTN, or -clip's search). Smoothing, as SVDQuant does, covers every Linear whose activations are
 * quantised, with alpha = the setting's -sq<alpha> or 0.5:
 *   - qkv and fc1: 1/s folds into the block's adaLN (as SmoothQuant's fold, foldSmoothing) when that adaLN is itself
 *     quantised (its folded weight is then split and quantised like any other); the branch reads the smoothed input.
 *   - proj, fc2, adaLN, and qkv / fc1 whose adaLN the setting leaves alone: 1/s is multiplied in at run time inside
 *     the activation quantiser (the SMOOTH path of shaders/act_fakequant.wgsl, fused as SVDQuant's kernels fuse it);
 *     the branch's down factor carries 1/s, so it reads the Linear's unsmoothed input.
 * With A16 nothing is smoothed (s = 1): the branch takes the weight's largest directions and the residual is
 * quantised, which is what -lr means for weight-only settings.
 */
async function prepareLowRank(
  setting: QuantSetting,
  specs: readonly LinearSpec[],
  read: (name: string) => Float32Array,
  stats: ReadonlyMap<string, LinearInputStats>,
  hooks: MethodHooks,
  options: PrepareOptions,
): Promise<Map<string, PreparedLinear>> {
  requireTransformsSupported(setting);
  requireLowRankFits(setting, specs);
  const rank = setting.transforms!.lowRank!;
  const weightSetting = setting.weight!;
  const format = setting.activation.format;
  const perTensor = setting.activation.perTensor && format.kind !== 'none';
  const alpha = setting.method.kind === 'smoothquant' ? setting.method.alpha : LOW_RANK_DEFAULT_ALPHA;
  const bySpec = new Map(specs.map((s) => [s.name, s]));
  const targets = lowRankLinears(setting, specs);
  const absMax = (name: string) => {
    const s = stats.get(name);
    if (!s)
      throw new ModelError(
        'calibration-missing',
        `${settingToString(setting)} needs the input absmax of ${name} to smooth it, which the calibration run did not record.`,
        'Calibrate with calibrateLinearInputs on the full-precision model first.',
      );
    return s.channelAbsMax;
  };
  // Folded Linears first: their 1/s changes the adaLN weights that are split later.
  const folds = new Map<string, { weight: Float32Array; bias: Float32Array }>();
  const order = [
    ...targets.filter((s) => lowRankFold(setting, s, bySpec, options.fold ?? true)),
    ...targets.filter((s) => !lowRankFold(setting, s, bySpec, options.fold ?? true)),
  ];
  const out = new Map<string, PreparedLinear>();
  for (let i = 0; i < order.length; i++) {
    const spec = order[i];
    await hooks.checkpoint();
    hooks.progress(i + 1, order.length, spec.name);
    const w = folds.get(spec.name)?.weight ?? read(`${spec.name}.weight`);
    let target = w;
    let inputScale: Float32Array | undefined;
    let staticScale: number | undefined;
    const fold = lowRankFold(setting, spec, bySpec, options.fold ?? true);
    if (activationQuantized(setting, spec.kind)) {
      const a = absMax(spec.name);
      const smoothed = smoothLinear(w, spec.rows, spec.cols, a, alpha);
      target = smoothed.weight;
      staticScale = perTensor ? smoothedTensorScale(a, smoothed.inputScale, format) : undefined;
      if (fold) {
        const ada = bySpec.get(fold.adaLN)!;
        const before = folds.get(ada.name) ?? { weight: read(`${ada.name}.weight`), bias: read(`${ada.name}.bias`) };
        folds.set(ada.name, foldSmoothing(before.weight, before.bias, ada.cols, fold, smoothed.inputScale));
      } else inputScale = smoothed.inputScale;
    }
    const split = lowRankSplit(target, spec.rows, spec.cols, rank, inputScale);
    const packed = quantizeWeight(
      split.residual,
      spec.rows,
      spec.cols,
      weightSetting.format,
      weightSetting.granularity,
      setting.method.kind === 'clip' ? { clip: {} } : {},
    );
    out.set(spec.name, {
      packed,
      bias: folds.get(spec.name)?.bias,
      inputScale,
      staticScale,
      lowRank: { rank, up: split.up, down: split.down },
    });
  }
  await hooks.checkpoint();
  return out;
}
