/**
 * -mp<B> on the GPU: the engine's plan (per-Linear INT widths from a sensitivity table, src/engine/generation/
 * mixedPrecisionSettings.ts) loaded through the models' settingByLinear, against the CPU fake-quant reference with
 * the same per-Linear settings (one forward per family, tolerance 1e-5 of max |reference|: weights only, the same
 * dequantised values, f32 vs f64 accumulation). The table is synthetic (later Linears more sensitive), so the test
 * needs no re-exported bundle; the report must show the allocated widths and the bit accounting their mean.
 */
import { describe, expect, it } from 'vitest';
import { testDevice } from '../device';
import { parseSetting, settingToString } from '../../../src/quant/setting';
import { mixedPrecisionPlan } from '../../../src/engine/generation/mixedPrecisionSettings';
import { bitAccounting } from '../../../src/engine/quality/bitAccounting';
import { VarModel } from '../../../src/models/var/varModel';
import { varTeacherForcedLogits } from '../../../src/models/var/varTeacherForced';
import { varLinearSpecs } from '../../../src/models/var/varConfig';
import { DitModel } from '../../../src/models/dit/ditModel';
import { ditForwardOnce } from '../../../src/models/dit/ditForward';
import { ditLinearSpecs } from '../../../src/models/dit/ditConfig';
import type { LinearSpec } from '../../../src/models/runtime/layers';
import type { DitManifest, VarManifest } from '../../../src/models/bundle/types';
import type { WeightReport } from '../../../src/models/runtime/modelWeights';
import { maxRelativeError } from '../../../tools/parity/src/compare';
import { bundleIds, loadDitBundle, loadVarBundle } from './bundles';
import { refLinears } from './reference/refLinears';
import { VarReference } from './reference/varReference';
import { DitReference } from './reference/ditReference';

const SETTING = parseSetting('W4g32-mp3');

/** A sensitivity table over the setting's quantised Linears: error 10^i * 4^-b, so later Linears get more bits. */
function withTable<M extends VarManifest | DitManifest>(manifest: M, specs: readonly LinearSpec[]): M {
  const quantised = specs.filter((s) => SETTING.layers.includes(s.kind));
  const layers = quantised.map((s, i) => ({
    name: s.name,
    params: s.rows * s.cols,
    errorByBits: Object.fromEntries([2, 3, 4, 8].map((b) => [String(b), 10 ** i * 4 ** -b])),
  }));
  return { ...manifest, sensitivity: { metric: 'synthetic', granularity: 'g32', layers } };
}

function checkAllocation(report: WeightReport, byLinear: ReadonlyMap<string, { weight: unknown }>, total: number) {
  const widths = new Set<number>();
  for (const layer of report.layers) {
    const s = byLinear.get(layer.name) as ReturnType<typeof parseSetting> | undefined;
    if (!s) continue;
    expect(layer.codeBits, layer.name).toBe((s.weight!.format as { bits: number }).bits);
    widths.add(layer.codeBits);
  }
  expect(widths.size, 'a 3-bit average over 2..4 mixes widths').toBeGreaterThan(1);
  const bits = bitAccounting(report, SETTING, total);
  expect(bits.weightBits).toBeLessThanOrEqual(3 + 1e-9);
  expect(bits.weightBits).toBeGreaterThan(2);
}

describe('-mp (per-Linear widths) on the GPU vs the CPU reference', () => {
  const varId = bundleIds('var')[0];
  it.runIf(varId !== undefined)(`${varId}: W4g32-mp3 teacher-forced logits`, async () => {
    const device = await testDevice();
    const { bundle, weights, goldens: g } = await loadVarBundle(varId!);
    const config = bundle.manifest.config;
    const plan = mixedPrecisionPlan(withTable(bundle.manifest, varLinearSpecs(config)), SETTING)!;
    const model = VarModel.load(device, bundle, SETTING, { settingByLinear: plan.byLinear, kvFormat: 'f32' });
    try {
      const label = g.i32('tf.label')[0]!;
      const logits = await varTeacherForcedLogits(model, [label], g.f32('tf.input'));
      const ref = new VarReference(
        config,
        weights,
        refLinears(weights, varLinearSpecs(config), SETTING, { settingByLinear: plan.byLinear }),
      ).teacherForced(label, g.f32('tf.input'));
      const err = maxRelativeError(logits, ref);
      console.log(
        `${varId} W4g32-mp3: vs reference ${err.toExponential(2)}; widths ${[...plan.byLinear.values()].map(settingToString).join(' ')}`,
      );
      expect(err).toBeLessThan(1e-5);
      expect(maxRelativeError(logits, g.f32('tf.logits'))).toBeGreaterThan(10 * err);
      checkAllocation(model.report, plan.byLinear, bundle.manifest.params.total);
    } finally {
      model.destroy();
    }
  });

  const ditId = bundleIds('dit')[0];
  it.runIf(ditId !== undefined)(`${ditId}: W4g32-mp3 plain forward`, async () => {
    const device = await testDevice();
    const { bundle, weights, goldens: g } = await loadDitBundle(ditId!);
    const config = bundle.manifest.config;
    const plan = mixedPrecisionPlan(withTable(bundle.manifest, ditLinearSpecs(config)), SETTING)!;
    const model = DitModel.load(device, bundle, SETTING, { settingByLinear: plan.byLinear });
    try {
      const t = Array.from(g.i32('tf.t'));
      const y = Array.from(g.i32('tf.y'));
      const out = await ditForwardOnce(model, g.f32('tf.x'), t, y);
      const ref = new DitReference(
        config,
        weights,
        refLinears(weights, ditLinearSpecs(config), SETTING, { settingByLinear: plan.byLinear }),
      ).forward(g.f32('tf.x'), t, y);
      const err = maxRelativeError(out, ref);
      console.log(`${ditId} W4g32-mp3: vs reference ${err.toExponential(2)}`);
      expect(err).toBeLessThan(1e-5);
      checkAllocation(model.report, plan.byLinear, bundle.manifest.params.total);
    } finally {
      model.destroy();
    }
  });
});
