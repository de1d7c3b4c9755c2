/**
 * VAR KV-cache step forward on the GPU: each scale's golden input (cond and uncond rows) through the blocks,
 * appending to the caches, against the golden per-step logits. Full precision, 1e-3 of max |golden|.
 */
import '../helpers/pinGpuInstance';
import { describe, expect, it } from 'vitest';
import { testDevice } from '../device';
import { FULL_PRECISION } from '../../../src/quant/setting';
import { VarModel } from '../../../src/models/var/varModel';
import { scaleStarts } from '../../../src/models/var/varConfig';
import { Workspace } from '../../../src/models/runtime/workspace';
import { readF32, writeWords } from '../../../src/models/runtime/gpuBuffers';
import { bundleIds, loadVarBundle } from './bundles';
import { maxRelativeError } from './compare';

describe('VAR KV-cache steps from golden inputs (GPU, fp32)', () => {
  for (const id of bundleIds('var')) {
    it(`${id}: per-step cond/uncond logits within 1e-3`, async () => {
      const device = await testDevice();
      const { bundle, goldens: g } = await loadVarBundle(id);
      const model = VarModel.load(device, bundle, FULL_PRECISION);
      const ws = new Workspace(device, 'test');
      try {
        const { patchNums, vocabSize: V, numClasses } = model.config;
        const maxT = Math.max(...patchNums.map((p) => p * p));
        ws.reserve(model.workspaceNeeds(2, 2 * maxT));
        const label = g.i32('tf.label')[0];
        let encoder = device.createCommandEncoder();
        model.encodeConditioning(encoder, ws, [label, numClasses]);
        device.queue.submit([encoder.finish()]);
        const starts = scaleStarts(patchNums);
        for (let k = 0; k < patchNums.length; k++) {
          const T = patchNums[k] ** 2;
          writeWords(device, ws.get('x'), 0, g.f32(`step${k}.input`));
          encoder = device.createCommandEncoder();
          model.encodeTransformer(encoder, ws, { samples: 2, tokens: T, position: starts[k], masked: false });
          device.queue.submit([encoder.finish()]);
          const logits = await readF32(device, ws.get('logits'), 0, 2 * T * V);
          const cond = maxRelativeError(logits.subarray(0, T * V), g.f32(`step${k}.logits_cond`));
          const uncond = maxRelativeError(logits.subarray(T * V), g.f32(`step${k}.logits_uncond`));
          console.log(`${id} step${k} logits_cond ${cond.toExponential(2)} logits_uncond ${uncond.toExponential(2)}`);
          expect(cond).toBeLessThan(1e-3);
          expect(uncond).toBeLessThan(1e-3);
        }
      } finally {
        ws.destroy();
        model.destroy();
      }
    });
  }
});
