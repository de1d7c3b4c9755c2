/**
 * The scaling-law chart's x axes (src/engine/quality/bitAccounting.ts defines them):
 *   linearBits      "quantised Linear bits": the Linears the setting quantises (default: every Linear inside the
 *                   transformer blocks) as stored, at 16 bits per weight where not quantised (fp32 points);
 *   transformerBits "all transformer bits": every parameter of the generator, unquantised ones at their stored
 *                   16 bits;
 *   computeBits     weight code bits x activation bits x params of the Linears.
 * Points written before 2026-12-03 lack linearBits / transformerBits and counted unquantised parameters at 32
 * bits (totalWeightBits, bitsPerWeight). For them both are re-derived: every such point used the default layer
 * list (qkv, proj, fc1, fc2, adaLN of every block: 18 C^2 weights per block, C = 64 x depth for VAR and 32 x depth
 * for DiT in this zoo), so stored block bits = bitsPerWeight x linearParams - 32 x (linearParams - block weights).
 * The tokenizer (VQ-VAE) and VAE decoder are not on any axis: decoderBitsNote reports them apart.
 */
import type { ModelFamily } from '../../models/bundle/types';
import type { QualityPoint } from '../../engine/quality/types';

export type BitsAxis = 'linearBits' | 'transformerBits' | 'computeBits';

export const BITS_AXES: ReadonlyArray<{ value: BitsAxis; label: string; chartLabel: string }> = [
  {
    value: 'transformerBits',
    label: 'All transformer bits',
    chartLabel: 'all transformer bits (every parameter x its stored bits, log)',
  },
  {
    value: 'linearBits',
    label: 'Quantised Linear bits',
    chartLabel: 'quantised Linear bits (block Linears x stored bits, log)',
  },
  {
    value: 'computeBits',
    label: 'Compute bits (weights × activations)',
    chartLabel: 'compute bits per token (weight bits × activation bits × params, log)',
  },
];

/** Bits per stored unquantised parameter (the bundles store f16). */
export const STORED_BITS = 16;

/** Block width of this zoo's models per depth (docs/zoo: VAR C = 64 d, DiT C = 32 d). */
const WIDTH_PER_DEPTH: Record<ModelFamily, number> = { var: 64, dit: 32 };

/** Weights of the Linears inside the transformer blocks (qkv 3C², proj C², fc1 4C², fc2 4C², adaLN 6C² per block). */
export function blockLinearParams(family: ModelFamily, depth: number): number {
  const c = WIDTH_PER_DEPTH[family] * depth;
  return 18 * c * c * depth;
}

type BitsFields = Pick<
  QualityPoint,
  | 'family'
  | 'depth'
  | 'linearParams'
  | 'totalParams'
  | 'weightBits'
  | 'bitsPerWeight'
  | 'totalWeightBits'
  | 'computeBits'
> &
  Partial<Pick<QualityPoint, 'linearBits' | 'transformerBits'>>;

/** linearBits and transformerBits of a point, re-derived for points written before they existed. */
export function pointBits(p: BitsFields): { linearBits: number; transformerBits: number; derived: boolean } {
  if (p.linearBits !== undefined && p.transformerBits !== undefined)
    return { linearBits: p.linearBits, transformerBits: p.transformerBits, derived: false };
  const block = blockLinearParams(p.family, p.depth);
  const otherLinear = p.linearParams - block;
  const unquantised = p.weightBits >= 32;
  const blockBits = unquantised ? block * STORED_BITS : p.bitsPerWeight * p.linearParams - 32 * otherLinear;
  if (!(otherLinear >= 0) || !(blockBits > 0)) {
    // Not this zoo's layout: the best this file allows, the Linear bits as recorded with 32-bit parts halved.
    const linearBits = unquantised ? p.linearParams * STORED_BITS : p.bitsPerWeight * p.linearParams;
    return {
      linearBits,
      transformerBits: linearBits + Math.max(0, p.totalParams - p.linearParams) * STORED_BITS,
      derived: true,
    };
  }
  return { linearBits: blockBits, transformerBits: blockBits + (p.totalParams - block) * STORED_BITS, derived: true };
}

export function axisValue(p: BitsFields, axis: BitsAxis): number {
  return axis === 'computeBits' ? p.computeBits : pointBits(p)[axis];
}

export function axisLabel(axis: BitsAxis): string {
  return BITS_AXES.find((a) => a.value === axis)!.label;
}

export function axisChartLabel(axis: BitsAxis): string {
  return BITS_AXES.find((a) => a.value === axis)!.chartLabel;
}

export interface DecoderBits {
  readonly id: string;
  readonly family: 'vqvae' | 'vae';
  readonly params: number;
  readonly bits: number;
}

/** The tokenizer / VAE decoder bundles of a model list, at their stored 16 bits per parameter. */
export function decoderBits(
  models: ReadonlyArray<{ id: string; family: string; params: { total: number } }>,
): DecoderBits[] {
  return models
    .filter((m): m is typeof m & { family: 'vqvae' | 'vae' } => m.family === 'vqvae' || m.family === 'vae')
    .map((m) => ({ id: m.id, family: m.family, params: m.params.total, bits: m.params.total * STORED_BITS }));
}

/** One line for the chart panel: the decoders' bits, which no x axis includes. */
export function decoderBitsNote(decoders: readonly DecoderBits[]): string {
  if (decoders.length === 0)
    return 'Tokenizer / VAE bits: not known (no decoder bundle listed); they are not on the x axis.';
  const part = (d: DecoderBits) =>
    `${d.family === 'vqvae' ? 'VAR tokenizer (VQ-VAE)' : 'DiT VAE'} ${d.id}: ${d.params.toLocaleString('en-US')} params, ${(d.bits / 1e6).toFixed(2)} Mbit at 16 bits`;
  return `Not on the x axis (shared by every point of a family, kept at full precision): ${decoders.map(part).join('; ')}.`;
}
