/**
 * `-mp<B>` settings (issue 15): the per-Linear weight widths of a model, allocated from the sensitivity table its
 * manifest ships (training/mixed_precision.py measured it; src/quant/mixedPrecision.ts allocates). The setting's
 * own weight width is the widest a Linear may get (W4g32-mp3: widths 2..4 at an average of at most 3), its
 * granularity and symmetry are kept; Linears outside the table keep the setting's width.
 */
import { allocateBits, type BitAllocation } from '../../quant/mixedPrecision';
import type { QuantSetting } from '../../quant/setting';
import type { DitManifest, VarManifest } from '../../models/bundle/types';
import { GenerationError } from './errors';

export interface MixedPrecisionPlan {
  /** The setting each Linear of the table runs at (no -mp on them: each is a plain uniform setting). */
  readonly byLinear: ReadonlyMap<string, QuantSetting>;
  readonly allocation: BitAllocation;
}

/** undefined for a setting without -mp; throws GenerationError when the setting or the bundle cannot do it. */
export function mixedPrecisionPlan(
  manifest: VarManifest | DitManifest,
  setting: QuantSetting,
): MixedPrecisionPlan | undefined {
  const budget = setting.transforms?.mixedBits;
  if (budget === undefined) return undefined;
  const weight = setting.weight;
  if (!weight || weight.format.kind !== 'int')
    throw new GenerationError(
      'setting-unsupported',
      'Per-layer mixed precision (-mp) chooses INT weight widths per Linear; this setting has no INT weights.',
      'Use an INT weight setting such as W4g32-mp3.',
    );
  const table = manifest.sensitivity;
  if (!table)
    throw new GenerationError(
      'setting-unsupported',
      `${manifest.id} ships no sensitivity table, which -mp allocates bits from.`,
      'Re-export the bundle with training/export_bundle.py (it measures and writes the table), or drop -mp.',
    );
  const widest = weight.format.bits;
  const layers = table.layers.map((l) => ({
    name: l.name,
    params: l.params,
    errorByBits: new Map(
      Object.entries(l.errorByBits)
        .map(([b, e]) => [Number(b), e] as const)
        .filter(([b]) => b <= widest),
    ),
  }));
  const widths = [...new Set(layers.flatMap((l) => [...l.errorByBits.keys()]))].sort((a, b) => a - b);
  const missing = layers.find((l) => widths.some((w) => !l.errorByBits.has(w)));
  if (missing || widths.length === 0)
    throw new GenerationError(
      'setting-unsupported',
      `${manifest.id}'s sensitivity table does not give every Linear the same widths up to ${widest} bits${missing ? ` (${missing.name})` : ''}.`,
      'Re-export the bundle with training/export_bundle.py.',
    );
  const allocation = allocateBits(layers, widths, budget);
  // Each Linear's setting is the model's without -mp (a setting with no modifier has no transforms field at all).
  const { transforms, ...rest } = setting;
  const { mixedBits: _dropped, ...otherTransforms } = transforms ?? {};
  const base: QuantSetting = Object.keys(otherTransforms).length ? { ...rest, transforms: otherTransforms } : rest;
  const byLinear = new Map(
    [...allocation.bitsByLayer].map(([name, bits]) => [
      name,
      { ...base, weight: { ...weight, format: { ...weight.format, bits } } } as QuantSetting,
    ]),
  );
  return { byLinear, allocation };
}
