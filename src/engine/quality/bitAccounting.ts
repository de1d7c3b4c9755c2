/**
 * The size axes of a quality point from the loaded model's weight report (what the GPU really stores), so
 * the chart's x values are measured, not re-derived from the setting string. A parameter the setting does not
 * quantise counts at STORED_PARAM_BITS = 16: the bundles store every tensor as f16 (the engine computes in f32,
 * but the model it computes with holds 16 bits of information per parameter, and a deployment would store it so):
 *   linearBits      = bits of the Linears the setting's layer list names (default: every Linear inside the
 *                     transformer blocks): quantised ones as stored (codes + f16 scales (+ offsets)), the others
 *                     (fp32) params x 16 ("quantised Linear bits"); a -lr<r> Linear's stored bytes include its
 *                     f16 branch, so its (N + K) r values count at 16 bits here (GpuLinear.lowRankBytes);
 *   transformerBits = every Linear so counted + every other parameter of the generator (biases, embeddings,
 *                     position tables, heads not in the layer list) x 16 ("all transformer bits");
 *   totalWeightBits = transformerBits (until 2026-12-03: stored Linear bits with unquantised Linears at 32 + the
 *                     other parameters x 32; formatVersion 1 sweep files hold that);
 *   computeBits     = sum over Linears of params x code bits x activation bits (32 where not quantised).
 * The tokenizer / VAE decoder is not a part of the transformer: its bits are reported apart (the chart panel).
 */
import { activationCodeBits, weightCodeBits, type QuantSetting } from '../../quant/setting';
import { NOT_QUANTISED_BITS } from '../../quant/vocabulary';
import type { WeightReport } from '../../models/runtime/modelWeights';

/** Bits per stored parameter that is not quantised (bundles store f16). */
export const STORED_PARAM_BITS = 16;

export interface BitAccounting {
  readonly linearBits: number;
  readonly transformerBits: number;
  readonly linearParams: number;
  readonly totalParams: number;
  readonly weightBits: number;
  readonly bitsPerWeight: number;
  readonly activationBits: number;
  readonly totalWeightBits: number;
  readonly computeBits: number;
}

/** Code bits of the setting's weights (NOT_QUANTISED_BITS at full precision), from the vocabulary's rows. */
export const settingWeightBits = weightCodeBits;

/** Bits of the activations fed to the quantised Linears (NOT_QUANTISED_BITS when not quantised). */
export const settingActivationBits = activationCodeBits;

/** `totalParams`: the manifest's params.total (every trained parameter). */
export function bitAccounting(report: WeightReport, setting: QuantSetting, totalParams: number): BitAccounting {
  const activationBits = settingActivationBits(setting);
  let computeBits = 0;
  for (const layer of report.layers)
    computeBits += layer.params * layer.codeBits * (layer.activationsQuantized ? activationBits : NOT_QUANTISED_BITS);
  const weightBits = report.weightBytes * 8;
  let linearBits = 0;
  let allLinearBits = 0;
  for (const layer of report.layers) {
    const bits = layer.codeBits === NOT_QUANTISED_BITS ? layer.params * STORED_PARAM_BITS : layer.weightBytes * 8;
    allLinearBits += bits;
    if (setting.layers.includes(layer.kind)) linearBits += bits;
  }
  const transformerBits = allLinearBits + Math.max(0, totalParams - report.linearParams) * STORED_PARAM_BITS;
  // Code bits per weight of the quantised Linears, as loaded: the setting's width, or the parameter-weighted mean
  // of per-Linear widths (-mp settings).
  let quantisedParams = 0;
  let codeBitSum = 0;
  for (const layer of report.layers) {
    if (layer.codeBits === NOT_QUANTISED_BITS || !setting.layers.includes(layer.kind)) continue;
    quantisedParams += layer.params;
    codeBitSum += layer.params * layer.codeBits;
  }
  return {
    linearBits,
    transformerBits,
    linearParams: report.linearParams,
    totalParams,
    weightBits: quantisedParams > 0 ? codeBitSum / quantisedParams : settingWeightBits(setting),
    bitsPerWeight: weightBits / report.linearParams,
    activationBits,
    totalWeightBits: transformerBits,
    computeBits,
  };
}
