/**
 * Quantised VAR on the GPU against the CPU fake-quant reference (reference/*.ts: dequantizeWeight of the same
 * quantizeWeight output, fakeQuantActivations before each quantised Linear, f64 accumulation), teacher-forced
 * pass, for one INT (W4 g32, A8 per token) and one FP (FP4 E2M1 g32, activations f32) setting; also checks the
 * memory report. Tolerance: 1e-5 of max |reference| when only weights are quantised (the same dequantised values,
 * f32 vs f64 accumulation); 5e-3 with INT8 activations, whose per-token codes may round the other way where the
 * GPU's and the reference's inputs differ in the last ulp (one code = absmax/127 at one element; measured in the
 * log). The measured errors are printed.
 */
import '../helpers/pinGpuInstance';
import { describe, expect, it } from 'vitest';
import { testDevice } from '../device';
import { parseSetting } from '../../../src/quant/setting';
import { VarModel } from '../../../src/models/var/varModel';
import { varTeacherForcedLogits } from '../../../src/models/var/varTeacherForced';
import { varLinearSpecs } from '../../../src/models/var/varConfig';
import { bundleIds, loadVarBundle } from './bundles';
import { maxRelativeError } from '../../../src/parity/compare';
import { refLinears } from './reference/refLinears';
import { VarReference } from './reference/varReference';

const CASES = [
  { setting: 'W4g32-A8', tolerance: 5e-3, bits: 4 },
  { setting: 'Wfp4g32', tolerance: 1e-5, bits: 4 },
];

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
        const r = model.report;
        console.log(`${id} ${c.setting}: vs reference ${err.toExponential(2)} (vs fp32 golden ${vsFp.toExponential(2)}); weightBytes ${r.weightBytes} ideal ${r.idealWeightBytes} other ${r.otherBytes}`);
        expect(err).toBeLessThan(c.tolerance);
        // Quantisation must change the output (else the check proves nothing) ...
        expect(vsFp).toBeGreaterThan(10 * err);
        // ... and each packed block Linear takes its code bits plus one f16 scale per 32 weights (rows padded to
        // whole u32 words), the others (embedding, head: not in the default layers) 32 bits.
        for (const layer of r.layers) {
          const quantised = ['qkv', 'proj', 'fc1', 'fc2', 'adaLN'].includes(layer.kind);
          expect(layer.codeBits, layer.name).toBe(quantised ? c.bits : 32);
          const ideal = (layer.params * layer.codeBits) / 8;
          if (quantised) expect(layer.weightBytes, layer.name).toBe(ideal + (layer.params / 32) * 2);
          else expect(layer.weightBytes, layer.name).toBe(ideal);
        }
        expect(r.idealWeightBytes).toBe(r.layers.reduce((a, l) => a + (l.params * l.codeBits) / 8, 0));
      } finally {
        model.destroy();
      }
    });
  }
});
