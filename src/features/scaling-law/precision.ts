/**
 * What a chart curve stands for: the precision of a quantised setting ("FP32", "W4", "W4A8", "FP4") and the
 * method that produced it ("RTN", "GPTQ", "TopKLD (our reconstruction)"). Curves connect the model sizes of
 * one family at one precision, so the label must ignore everything that differs between sizes.
 */
import {
  activationFormatRow,
  granularityRow,
  methodRowByToken,
  TRANSFORM_ROWS,
  weightFormatRow,
} from '../../quant/vocabulary';
import type { QuantSetting } from '../../quant/setting';
import type { QualityPoint } from '../../engine/quality/types';

export interface Precision {
  /** Short curve name: weight part then activation part, e.g. "W4A8", "FP4", "FP32". */
  readonly label: string;
  /** Storage variant inside one precision (granularity, zero point), e.g. "g128", "ac"; '' for fp32. */
  readonly variant: string;
  /** Sort rank: more bits first (weights, then activations). */
  readonly rank: number;
  /** Weight number format and the activation part of the label: what "one more bit" must keep equal. */
  readonly weightKind: 'int' | 'fp' | 'none';
  readonly activation: string;
}

export function precisionOf(point: Pick<QualityPoint, 'setting' | 'weightBits' | 'activationBits'>): Precision {
  const { setting } = point;
  const rank = point.weightBits * 100 + point.activationBits;
  const { weight, activation } = setting;
  const aFormat = activation.format;
  const aLabel = aFormat.kind === 'none' ? '' : activationFormatRow(aFormat).short;
  if (!weight)
    return { label: aLabel ? `W32${aLabel}` : 'FP32', variant: '', rank, weightKind: 'none', activation: aLabel };
  const f = weight.format;
  const g = weight.granularity;
  const granularity = granularityRow(g).token;
  if (f.kind === 'int') {
    return {
      label: `W${f.bits}${aLabel}`,
      variant: `${granularity}${f.symmetric ? '' : ' asym'}`,
      rank,
      weightKind: 'int',
      activation: aLabel,
    };
  }
  const fpLabel = weightFormatRow(f).short;
  return {
    label: aLabel ? `${fpLabel} ${aLabel}` : fpLabel,
    variant: granularity,
    rank,
    weightKind: 'fp',
    activation: aLabel,
  };
}

/** A point's method name as a chart label: the vocabulary's short label, or what a sweep file's own names say. */
export function methodLabel(method: string): string {
  // formatVersion 1 sweeps: GPTQ calibrated on 10 images (one per class); newer points name the size ('gptq128').
  if (method === 'gptq') return 'GPTQ (10 calibration images)';
  const known = methodRowByToken(method);
  if (known) return known.short;
  const sq = /^sq([0-9.]+)(-folded)?$/.exec(method);
  // Files before 2026-12-03 ('sq0.5'): every activation-quantised Linear smoothed, 1/s applied at run time.
  if (sq)
    return sq[2] ? `SmoothQuant α=${sq[1]} (qkv, fc1; folded)` : `SmoothQuant α=${sq[1]} (every Linear, run-time 1/s)`;
  const gptq = /^gptq(\d+)$/.exec(method);
  if (gptq) return `GPTQ (${gptq[1]} calibration images)`;
  if (method.startsWith('qat-')) return `QAT (${method.slice(4)})`;
  return method;
}

export const isTrainedMethod = (method: string): boolean =>
  methodRowByToken(method)?.trained ?? method.startsWith('qat-');

/**
 * The setting's modifiers as a curve label ("Had", "MP3", "LR16 + Had"; '' without any), in the vocabulary's
 * order. A modifier changes what a point is (W4g32-mp3 stores about 3 bits per weight; -had changes the error,
 * not the bits), so its points are a curve of their own, never part of the plain setting's.
 */
export function modifiersLabel(setting: QuantSetting): string {
  const t = setting.transforms;
  if (!t) return '';
  return TRANSFORM_ROWS.filter((r) => t[r.key] !== undefined && t[r.key] !== false)
    .map((r) => (r.argument === 'none' ? r.short : `${r.short}${String(t[r.key])}`))
    .join(' + ');
}
