/**
 * VAR's f16 KV cache (VarModel's default kvFormat) at model level: the teacher-forced logits of the smallest VAR
 * bundle with K/V stored as f16 against the same model with f32 K/V and against the PyTorch golden (f32 K/V).
 * The kernels' own test (test/gpu/ops/attentionKvF16.test.ts) checks the f16 cache against the TypeScript
 * reference; engine.test.ts samples with the default (f16) and still reproduces the golden tokens exactly.
 *
 * Tolerance (max |x - golden| / max |golden|, tools/parity/src/compare.ts): 2e-3 for the f16 cache. K is
 * L2-normalised (|k_e| <= 1) and V is O(1), so f16 storage rounds them by at most 2^-11 relative; each score
 * q.k moves by at most |q| x 2^-11 (|q| <= 100, VAR's scale_mul clamp, but ~4..30 in practice) before the
 * softmax. Measured on SwiftShader: printed below. The f32 cache stays at parity's 1e-3 (~1e-6 measured).
 */
import { expect, it } from 'vitest';
import { testDevice } from '../device';
import { FULL_PRECISION } from '../../../src/quant/setting';
import { VarModel } from '../../../src/models/var/varModel';
import { varTeacherForcedLogits } from '../../../src/models/var/varTeacherForced';
import { maxRelativeError } from '../../../tools/parity/src/compare';
import { bundleIds, loadVarBundle } from './bundles';

const id = bundleIds('var')[0];

it.runIf(id !== undefined)(
  `${id}: teacher-forced logits with an f16 KV cache stay within 2e-3 of the golden`,
  async () => {
    const device = await testDevice();
    const { bundle, goldens: g } = await loadVarBundle(id);
    const label = g.i32('tf.label')[0];
    const golden = g.f32('tf.logits');
    const logits = async (kvFormat: 'f16' | 'f32') => {
      const model = VarModel.load(device, bundle, FULL_PRECISION, { kvFormat });
      try {
        expect(model.kvFormat).toBe(kvFormat);
        return await varTeacherForcedLogits(model, [label], g.f32('tf.input'));
      } finally {
        model.destroy();
      }
    };
    const f16 = await logits('f16');
    const f32 = await logits('f32');
    const e16 = maxRelativeError(f16, golden);
    const e32 = maxRelativeError(f32, golden);
    console.log(
      `${id} teacher-forced logits vs golden: f16 KV ${e16.toExponential(2)}, f32 KV ${e32.toExponential(2)}`,
    );
    expect(e16).toBeLessThan(2e-3);
    expect(e32).toBeLessThan(1e-3);
    // The f16 storage is in effect (the two differ), and it is the default.
    expect(maxRelativeError(f16, f32)).toBeGreaterThan(1e-6);
    const byDefault = VarModel.load(device, bundle, FULL_PRECISION);
    try {
      expect(byDefault.kvFormat).toBe('f16');
      const f16Needs = byDefault.workspaceNeeds(2, 8);
      const { numTokens: L, width: C } = byDefault.config;
      // Half the words of an f32 cache: 2 rows x L tokens x C values, two per word.
      expect(f16Needs.k0).toBe((2 * L * C) / 2);
      expect(f16Needs.v0).toBe((2 * L * C) / 2);
    } finally {
      byDefault.destroy();
    }
  },
);
