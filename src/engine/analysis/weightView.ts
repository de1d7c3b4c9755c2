/**
 * The weight view: one Linear of a generator quantised with a weight setting, its weights (one scale group, or
 * the whole layer with each weight divided by its own group's scale) histogrammed in code units, with the grid
 * of values the codes decode to. Runs in the engine worker on the bundle it has already validated (no second
 * download of the weights on the UI thread, and quantising a 768 x 192 layer stays off the UI thread); it needs
 * no GPU.
 */
import { tensorAsF32 } from '../../models/bundle/index.ts';
import { dequantizeWeight, effectiveBitsPerWeight, quantizeWeight } from '../../quant';
import { checkSetting, settingToString } from '../../quant/setting';
import type { GeneratorBundle } from '../generation/bundleStore';
import { blockLinear } from './blockLinears';
import { AnalysisError, requireAnalysis } from './errors';
import { codeGrid, groupCount, groupRegion, groupWeights, histogram, normalisedWeights, relRmse } from './weightGrid';
import type { WeightHistogramParams, WeightHistogramResult } from './types';

export const MAX_BINS = 256;

export function weightHistogram(bundle: GeneratorBundle, p: WeightHistogramParams): WeightHistogramResult {
  const setting = checkSetting(p.setting);
  const text = settingToString(setting);
  if (!setting.weight)
    throw new AnalysisError(
      'setting-unsupported',
      `${text} does not quantise weights.`,
      'Pick a setting with a weight part, e.g. W4g32 or Wfp4g32.',
    );
  if (setting.method.kind !== 'rtn' && setting.method.kind !== 'clip') {
    throw new AnalysisError(
      'setting-unsupported',
      `${text}: this view quantises with rtn or clip only (${setting.method.kind} needs calibration data).`,
      'Pick the rtn or clip method.',
    );
  }
  const bins = p.bins ?? 64;
  requireAnalysis(
    Number.isInteger(bins) && bins >= 4 && bins <= MAX_BINS,
    `bins ${bins} is outside 4..${MAX_BINS}.`,
    'Use e.g. 64 bins.',
  );
  const spec = blockLinear(bundle, p.block, p.layer);
  if (!bundle.weights)
    throw new AnalysisError(
      'argument-invalid',
      `${bundle.manifest.id} has no weights.`,
      'Load it through validateBundle().',
    );
  const w = tensorAsF32(bundle.weights, `${spec.name}.weight`);
  const { format, granularity } = setting.weight;
  const packed = quantizeWeight(
    w,
    spec.rows,
    spec.cols,
    format,
    granularity,
    setting.method.kind === 'clip' ? { clip: {} } : {},
  );
  const groups = groupCount(packed);
  const scope =
    p.scope?.kind === 'group' ? { kind: 'group' as const, index: p.scope.index } : { kind: 'layer' as const };
  if (scope.kind === 'group')
    requireAnalysis(
      Number.isInteger(scope.index) && scope.index >= 0 && scope.index < groups,
      `group ${scope.index} is outside 0..${groups - 1}.`,
      `This layer has ${groups} scale groups; pick one of them.`,
    );
  const index = scope.kind === 'group' ? scope.index : undefined;
  const values = normalisedWeights(w, packed, index);
  const grid = codeGrid(format);
  // The range covers the weights and the grid, so clipped weights and unused grid points both show.
  let lo = grid[0]!;
  let hi = grid[grid.length - 1]!;
  for (const v of values) {
    lo = Math.min(lo, v);
    hi = Math.max(hi, v);
  }
  const h = histogram(values, bins, [lo, hi]);
  const original = index === undefined ? w : groupWeights(w, packed, index);
  const dequantised =
    index === undefined ? dequantizeWeight(packed) : groupWeights(dequantizeWeight(packed), packed, index);
  const region = index === undefined ? undefined : groupRegion(packed, index);
  return {
    modelId: bundle.manifest.id,
    linear: spec.name,
    rows: spec.rows,
    cols: spec.cols,
    setting,
    bitsPerWeight: effectiveBitsPerWeight(format, granularity, spec.rows, spec.cols),
    groups,
    scope,
    edges: h.edges,
    counts: h.counts,
    grid,
    scale: region?.scale,
    offset: region?.offset,
    weightRelRmse: relRmse(dequantised, original),
    weights: values.length,
  };
}
