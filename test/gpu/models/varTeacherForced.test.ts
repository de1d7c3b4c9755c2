/**
 * VAR teacher-forced logits on the GPU (Dawn / SwiftShader) against the PyTorch golden `tf.logits`, at full
 * precision. Tolerance: 1e-3 of max |golden| (f32 on the GPU, accumulation order differs from torch).
 */
import '../helpers/pinGpuInstance';
import { describe, expect, it } from 'vitest';
import { testDevice } from '../device';
import { FULL_PRECISION } from '../../../src/quant/setting';
import { VarModel } from '../../../src/models/var/varModel';
import { varTeacherForcedLogits } from '../../../src/models/var/varTeacherForced';
import { bundleIds, loadVarBundle } from './bundles';
import { maxRelativeError } from './compare';

describe('VAR teacher-forced forward (GPU, fp32)', () => {
  for (const id of bundleIds('var')) {
    it(`${id}: tf.logits within 1e-3`, async () => {
      const device = await testDevice();
      const { bundle, goldens: g } = await loadVarBundle(id);
      const model = VarModel.load(device, bundle, FULL_PRECISION);
      try {
        const logits = await varTeacherForcedLogits(model, [g.i32('tf.label')[0]], g.f32('tf.input'));
        const err = maxRelativeError(logits, g.f32('tf.logits'));
        console.log(`${id} tf.logits max rel err ${err.toExponential(2)}`);
        expect(err).toBeLessThan(1e-3);
      } finally {
        model.destroy();
        model.destroy();
      }
    });
  }
});
