/**
 * The CPU reference forward (reference/*.ts) against the PyTorch goldens: checks our reading of the semantics
 * before any GPU code is involved, and that the reference used for the quantised GPU checks is itself right.
 * Full precision; tolerance 1e-4 of max |golden| (f64 accumulation vs float32 torch; measured ~1e-6).
 * DiT steps start from the golden x_t of each step (per-step errors; the GPU tests run the chain).
 */
import { describe, expect, it } from 'vitest';
import { FULL_PRECISION } from '../../../src/quant/setting';
import { varLinearSpecs } from '../../../src/models/var/varConfig';
import { ditLinearSpecs } from '../../../src/models/dit/ditConfig';
import { ddimCoefficients, ddpmCoefficients, respacedSchedule } from '../../../src/ops/diffusionSchedule';
import { ddimStepRef, ddpmStepRef } from '../../../src/ops/diffusionStep';
import { bundleIds, loadDitBundle, loadVarBundle } from './bundles';
import { refLinears } from './reference/refLinears';
import { VarReference } from './reference/varReference';
import { TokenizerReference } from './reference/tokenizerReference';
import { DitReference, cfgRef } from './reference/ditReference';
import { maxRelativeError } from '../../../tools/parity/src/compare';
import { TensorReader } from './tensors';

const TOLERANCE = 1e-4;

describe('CPU reference vs PyTorch goldens (VAR)', () => {
  for (const id of bundleIds('var')) {
    it(`${id}: teacher-forced logits and the sampled trajectory`, async () => {
      const { bundle, tokenizer, weights, goldens: g } = await loadVarBundle(id);
      const config = bundle.manifest.config;
      const ref = new VarReference(config, weights, refLinears(weights, varLinearSpecs(config), FULL_PRECISION));
      const label = g.i32('tf.label')[0];
      const tfErr = maxRelativeError(ref.teacherForced(label, g.f32('tf.input')), g.f32('tf.logits'));
      const tok = new TokenizerReference(tokenizer.manifest.config, new TensorReader(tokenizer.weights!));
      const K = config.patchNums.length;
      const uniforms = Array.from({ length: K }, (_, k) => g.f32(`step${k}.uniforms`));
      const s = bundle.manifest.sampling;
      const inputs: Float32Array[] = [];
      const steps = ref.sample(label, s.cfg, s.topK, s.topP, uniforms, tok, (_, input) => inputs.push(input));
      const rows: string[] = [`tf.logits ${tfErr.toExponential(2)}`];
      for (let k = 0; k < K; k++) {
        const e = {
          input: maxRelativeError(inputs[k], g.f32(`step${k}.input`)),
          cond: maxRelativeError(steps[k].logitsCond, g.f32(`step${k}.logits_cond`)),
          uncond: maxRelativeError(steps[k].logitsUncond, g.f32(`step${k}.logits_uncond`)),
          cfg: maxRelativeError(steps[k].logitsCfg, g.f32(`step${k}.logits_cfg`)),
          fHat: maxRelativeError(steps[k].fHat, g.f32(`step${k}.f_hat`)),
        };
        rows.push(
          `step${k} ${Object.entries(e)
            .map(([n, v]) => `${n} ${v.toExponential(2)}`)
            .join(' ')}`,
        );
        expect(Array.from(steps[k].tokens), `step${k} tokens`).toEqual(Array.from(g.i32(`step${k}.tokens`)));
        for (const [n, v] of Object.entries(e)) expect(v, `step${k} ${n}`).toBeLessThan(TOLERANCE);
      }
      console.log(`${id} reference:\n  ${rows.join('\n  ')}`);
      expect(tfErr).toBeLessThan(TOLERANCE);
    });
  }
});

describe('CPU reference vs PyTorch goldens (DiT)', () => {
  for (const id of bundleIds('dit')) {
    it(`${id}: plain forward, DDPM and DDIM steps`, async () => {
      const { bundle, weights, goldens: g } = await loadDitBundle(id);
      const config = bundle.manifest.config;
      const ref = new DitReference(config, weights, refLinears(weights, ditLinearSpecs(config), FULL_PRECISION));
      const tfErr = maxRelativeError(
        ref.forward(g.f32('tf.x'), Array.from(g.i32('tf.t')), Array.from(g.i32('tf.y'))),
        g.f32('tf.out'),
      );
      const rows = [`tf.out ${tfErr.toExponential(2)}`];
      expect(tfErr).toBeLessThan(TOLERANCE);
      const s = bundle.manifest.sampling;
      const schedule = respacedSchedule(s.steps, config.diffusion.trainSteps);
      expect(Array.from(schedule.timestepMap)).toEqual(Array.from(g.i32('schedule.timestep_map')));
      expect(maxRelativeError(schedule.betas, g.f64('schedule.betas'))).toBeLessThan(1e-12);
      const label = bundle.manifest.goldens!.class as number;
      for (const method of ['ddpm', 'ddim'] as const) {
        const pre = method === 'ddpm' ? '' : 'ddim.';
        for (let n = 0; n < s.steps; n++) {
          const xt = g.f32(`${pre}step${n}.x_t`);
          const i = s.steps - 1 - n;
          const t = schedule.timestepMap[i];
          const both = ref.forward(Float32Array.from([...xt, ...xt]), [t, t], [label, config.numClasses]);
          const half = both.length / 2;
          const out = cfgRef(both.subarray(0, half), both.subarray(half), s.cfg, config.inChannels);
          const eps = out.subarray(0, half / 2);
          const v = out.subarray(half / 2);
          const next =
            method === 'ddpm'
              ? ddpmStepRef(xt, eps, v, g.f32(`step${n}.noise`), ddpmCoefficients(schedule, i))
              : ddimStepRef(xt, eps, undefined, ddimCoefficients(schedule, i));
          const e = {
            out_cfg: maxRelativeError(out, g.f32(`${pre}step${n}.out_cfg`)),
            x_next: maxRelativeError(next, g.f32(`${pre}step${n}.x_next`)),
          };
          rows.push(`${pre}step${n} out_cfg ${e.out_cfg.toExponential(2)} x_next ${e.x_next.toExponential(2)}`);
          expect(e.out_cfg, `${pre}step${n} out_cfg`).toBeLessThan(TOLERANCE);
          expect(e.x_next, `${pre}step${n} x_next`).toBeLessThan(TOLERANCE);
        }
      }
      console.log(`${id} reference:\n  ${rows.join('\n  ')}`);
    });
  }
});
