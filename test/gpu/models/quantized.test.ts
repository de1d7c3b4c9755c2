/**
 * Quantised models on the GPU against the CPU fake-quant reference (reference/*.ts: dequantizeWeight of the same
 * quantizeWeight output, fakeQuantActivations before each quantised Linear, f64 accumulation): one forward per
 * family (VAR teacher-forced logits, DiT plain forward on the golden tf.x/t/y) for one INT setting (W4 g32, A8
 * per token) and one FP setting (FP4 E2M1 g32, activations f32); also the memory report.
 * Tolerance: 1e-5 of max |reference| when only weights are quantised (the same dequantised values, f32 vs f64
 * accumulation); 5e-3 with INT8 activations, whose per-token codes may round the other way where the GPU's and
 * the reference's inputs differ in the last ulp (one code = absmax/127 at one element). Measured errors are printed.
 */
import '../helpers/pinGpuInstance';
import { describe, expect, it } from 'vitest';
import { testDevice } from '../device';
import { parseSetting } from '../../../src/quant/setting';
import { VarModel } from '../../../src/models/var/varModel';
import { varTeacherForcedLogits } from '../../../src/models/var/varTeacherForced';
import { varLinearSpecs } from '../../../src/models/var/varConfig';
import { DitModel } from '../../../src/models/dit/ditModel';
import { ditForwardOnce } from '../../../src/models/dit/ditForward';
import { ditLinearSpecs } from '../../../src/models/dit/ditConfig';
import type { WeightReport } from '../../../src/models/runtime/modelWeights';
import { maxRelativeError } from '../../../src/parity/compare';
import { bundleIds, loadDitBundle, loadVarBundle } from './bundles';
import { refLinears } from './reference/refLinears';
import { VarReference } from './reference/varReference';
import { DitReference } from './reference/ditReference';

const CASES = [
  { setting: 'W4g32-A8', tolerance: 5e-3, bits: 4 },
  { setting: 'Wfp4g32', tolerance: 1e-5, bits: 4 },
];
const BLOCK_KINDS = ['qkv', 'proj', 'fc1', 'fc2', 'adaLN'];

/** Each packed block Linear: code bits + one f16 scale per 32 weights; every other Linear 32 bits. */
function checkReport(r: WeightReport, bits: number): void {
  for (const layer of r.layers) {
    const quantised = BLOCK_KINDS.includes(layer.kind);
    expect(layer.codeBits, layer.name).toBe(quantised ? bits : 32);
    const ideal = (layer.params * layer.codeBits) / 8;
    const scaleBytes = quantised ? Math.ceil(layer.params / 32) * 2 : 0;
    expect(layer.weightBytes, layer.name).toBe(ideal + scaleBytes);
  }
  expect(r.idealWeightBytes).toBe(r.layers.reduce((a, l) => a + (l.params * l.codeBits) / 8, 0));
  expect(r.weightBytes).toBe(r.layers.reduce((a, l) => a + l.weightBytes, 0));
}

function log(id: string, setting: string, err: number, vsFp: number, r: WeightReport): void {
  console.log(`${id} ${setting}: vs fake-quant reference ${err.toExponential(2)} (vs fp32 golden ${vsFp.toExponential(2)}); weights ${r.weightBytes} B on the GPU, params x bits / 8 = ${r.idealWeightBytes} B, other ${r.otherBytes} B`);
}

describe('quantised VAR (GPU) vs the CPU fake-quant reference', () => {
  const id = bundleIds('var')[0];
  for (const c of CASES) {
    it.runIf(id !== undefined)(`${id}: ${c.setting} teacher-forced logits`, async () => {
      const device = await testDevice();
      const { bundle, weights, goldens: g } = await loadVarBundle(id);
      const setting = parseSetting(c.setting);
      const model = VarModel.load(device, bundle, setting);
      try {
        const label = g.i32('tf.label')[0];
        const logits = await varTeacherForcedLogits(model, [label], g.f32('tf.input'));
        const config = bundle.manifest.config;
        const ref = new VarReference(config, weights, refLinears(weights, varLinearSpecs(config), setting)).teacherForced(label, g.f32('tf.input'));
        const err = maxRelativeError(logits, ref);
        const vsFp = maxRelativeError(logits, g.f32('tf.logits'));
        log(id, c.setting, err, vsFp, model.report);
        expect(err).toBeLessThan(c.tolerance);
        expect(vsFp, 'quantisation must change the output, else the check proves nothing').toBeGreaterThan(10 * err);
        checkReport(model.report, c.bits);
      } finally {
        model.destroy();
      }
    });
  }
});

describe('quantised DiT (GPU) vs the CPU fake-quant reference', () => {
  const id = bundleIds('dit')[0];
  for (const c of CASES) {
    it.runIf(id !== undefined)(`${id}: ${c.setting} plain forward`, async () => {
      const device = await testDevice();
      const { bundle, weights, goldens: g } = await loadDitBundle(id);
      const setting = parseSetting(c.setting);
      const model = DitModel.load(device, bundle, setting);
      try {
        const t = Array.from(g.i32('tf.t'));
        const y = Array.from(g.i32('tf.y'));
        const out = await ditForwardOnce(model, g.f32('tf.x'), t, y);
        const config = bundle.manifest.config;
        const ref = new DitReference(config, weights, refLinears(weights, ditLinearSpecs(config), setting)).forward(g.f32('tf.x'), t, y);
        const err = maxRelativeError(out, ref);
        const vsFp = maxRelativeError(out, g.f32('tf.out'));
        log(id, c.setting, err, vsFp, model.report);
        expect(err).toBeLessThan(c.tolerance);
        expect(vsFp, 'quantisation must change the output, else the check proves nothing').toBeGreaterThan(10 * err);
        checkReport(model.report, c.bits);
      } finally {
        model.destroy();
      }
    });
  }
});
