/**
 * The size axes of a quality point from the loaded model's weight report (what the GPU really stores), so
 * the chart's x values are measured, not re-derived from the setting string:
 *   totalWeightBits = stored Linear weight bits (codes + scales, = linear params x effective bits) + every
 *                     other parameter x 32;
 *   computeBits     = sum over Linears of params x code bits x activation bits (32 where not quantised).
 */
import { FP_SPECS } from '../../quant/formats';
import type { QuantSetting } from '../../quant/setting';
import type { WeightReport } from '../../models/runtime/modelWeights';

export interface BitAccounting {
  readonly linearParams: number;
  readonly totalParams: number;
  readonly weightBits: number;
  readonly bitsPerWeight: number;
  readonly activationBits: number;
  readonly totalWeightBits: number;
  readonly computeBits: number;
}

/** Code bits of the setting's weights (32 at full precision). */
export function settingWeightBits(setting: QuantSetting): number {
  const w = setting.weight;
  if (!w) return 32;
  return w.format.kind === 'int' ? w.format.bits : FP_SPECS[w.format.name].bits;
}

/** Bits of the activations fed to the quantised Linears (32 when not quantised). */
export function settingActivationBits(setting: QuantSetting): number {
  const a = setting.activation.format;
  if (a.kind === 'none') return 32;
  return a.kind === 'int' ? a.bits : FP_SPECS[a.name].bits;
}

/** `totalParams`: the manifest's params.total (every trained parameter). */
export function bitAccounting(report: WeightReport, setting: QuantSetting, totalParams: number): BitAccounting {
  const activationBits = settingActivationBits(setting);
  let computeBits = 0;
  for (const layer of report.layers) computeBits += layer.params * layer.codeBits * (layer.activationsQuantized ? activationBits : 32);
  const weightBits = report.weightBytes * 8;
  return {
    linearParams: report.linearParams,
    totalParams,
    weightBits: settingWeightBits(setting),
    bitsPerWeight: weightBits / report.linearParams,
    activationBits,
    totalWeightBits: weightBits + Math.max(0, totalParams - report.linearParams) * 32,
    computeBits,
  };
}
