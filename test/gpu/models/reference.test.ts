/**
 * The CPU reference forward (reference/*.ts) against the PyTorch goldens: checks our reading of the semantics
 * before any GPU code is involved. Full precision; tolerance 1e-4 relative (f64 vs float32 torch).
 */
import '../helpers/pinGpuInstance';
import { describe, expect, it } from 'vitest';
import { FULL_PRECISION } from '../../../src/quant/setting';
import { varLinearSpecs, type VarConfig, type VqConfig } from '../../../src/models/var/varConfig';
import { listBundles, loadBundle } from './bundles';
import { refLinears } from './reference/refLinears';
import { VarReference } from './reference/varReference';
import { TokenizerReference } from './reference/tokenizerReference';
import { maxRelativeError } from './compare';
import { ditLinearSpecs, type DitConfig } from '../../../src/models/dit/ditConfig';
import { DiffusionSchedule } from '../../../src/models/dit/diffusionSchedule';
import { DitReference, cfgRef, ddimStepRef, ddpmStepRef } from './reference/ditReference';

describe('CPU reference vs PyTorch goldens', () => {
  for (const bundle of listBundles('var')) {
    it(`${bundle.id}: teacher-forced logits and the sampled trajectory`, () => {
      const config = bundle.manifest.config as VarConfig;
      const weights = bundle.weights();
      const goldens = bundle.goldens();
      const ref = new VarReference(config, weights, refLinears(weights, varLinearSpecs(config), FULL_PRECISION));
      const tf = ref.teacherForced(goldens.i32('tf.label')[0], goldens.f32('tf.input'));
      const tfErr = maxRelativeError(tf, goldens.f32('tf.logits'));
      const vq = loadBundle(bundle.manifest.requires.tokenizer);
      const tokenizer = new TokenizerReference(vq.manifest.config as VqConfig, vq.weights());
      const K = config.patchNums.length;
      const uniforms = Array.from({ length: K }, (_, k) => goldens.f32(`step${k}.uniforms`));
      const s = bundle.manifest.sampling;
      const inputs: Float32Array[] = [];
      const steps = ref.sample(goldens.entry('tf.label') ? goldens.i32('tf.label')[0] : 0, s.cfg, s.topK, s.topP, uniforms, tokenizer, (_, input) => inputs.push(input));
      const rows: string[] = [`tf.logits ${tfErr.toExponential(2)}`];
      for (let k = 0; k < K; k++) {
        const e = {
          input: maxRelativeError(inputs[k], goldens.f32(`step${k}.input`)),
          cond: maxRelativeError(steps[k].logitsCond, goldens.f32(`step${k}.logits_cond`)),
          uncond: maxRelativeError(steps[k].logitsUncond, goldens.f32(`step${k}.logits_uncond`)),
          cfg: maxRelativeError(steps[k].logitsCfg, goldens.f32(`step${k}.logits_cfg`)),
          fHat: maxRelativeError(steps[k].fHat, goldens.f32(`step${k}.f_hat`)),
        };
        rows.push(`step${k} ${Object.entries(e).map(([n, v]) => `${n} ${v.toExponential(2)}`).join(' ')}`);
        expect(Array.from(steps[k].tokens), `step${k} tokens`).toEqual(Array.from(goldens.i32(`step${k}.tokens`)));
        for (const [n, v] of Object.entries(e)) expect(v, `step${k} ${n}`).toBeLessThan(1e-4);
      }
      console.log(`${bundle.id} reference:\n  ${rows.join('\n  ')}`);
      expect(tfErr).toBeLessThan(1e-4);
    });
  }
});

describe('CPU reference vs PyTorch goldens (DiT)', () => {
  for (const bundle of listBundles('dit')) {
    it(`${bundle.id}: plain forward, DDPM and DDIM trajectories`, () => {
      const config = bundle.manifest.config as DitConfig;
      const weights = bundle.weights();
      const g = bundle.goldens();
      const ref = new DitReference(config, weights, refLinears(weights, ditLinearSpecs(config), FULL_PRECISION));
      const tfOut = ref.forward(g.f32('tf.x'), Array.from(g.i32('tf.t')), Array.from(g.i32('tf.y')));
      const rows = [`tf.out ${maxRelativeError(tfOut, g.f32('tf.out')).toExponential(2)}`];
      expect(maxRelativeError(tfOut, g.f32('tf.out'))).toBeLessThan(1e-4);
      const s = bundle.manifest.sampling;
      const schedule = new DiffusionSchedule(config.diffusion, s.steps);
      expect(Array.from(schedule.timestepMap)).toEqual(Array.from(g.i32('schedule.timestep_map')));
      expect(maxRelativeError(schedule.betas, g.f64('schedule.betas'))).toBeLessThan(1e-12);
      const label = bundle.manifest.goldens.class as number;
      for (const method of ['ddpm', 'ddim'] as const) {
        const pre = method === 'ddpm' ? '' : 'ddim.';
        for (let n = 0; n < s.steps; n++) {
          // Each step from the golden x_t: per-step errors, not accumulated ones (the GPU test covers the chain).
          const xt = g.f32(`${pre}step${n}.x_t`);
          const i = s.steps - 1 - n;
          const c = schedule.at(i);
          const both = ref.forward(Float32Array.from([...xt, ...xt]), [c.timestep, c.timestep], [label, config.numClasses]);
          const half = both.length / 2;
          const out = cfgRef(both.subarray(0, half), both.subarray(half), s.cfg, config.inChannels);
          const next = method === 'ddpm' ? ddpmStepRef(out, xt, c, i > 0 ? g.f32(`step${n}.noise`) : undefined) : ddimStepRef(out, xt, c);
          const e = { out_cfg: maxRelativeError(out, g.f32(`${pre}step${n}.out_cfg`)), x_next: maxRelativeError(next, g.f32(`${pre}step${n}.x_next`)) };
          rows.push(`${pre}step${n} out_cfg ${e.out_cfg.toExponential(2)} x_next ${e.x_next.toExponential(2)}`);
          expect(e.out_cfg, `${pre}step${n} out_cfg`).toBeLessThan(1e-4);
          expect(e.x_next, `${pre}step${n} x_next`).toBeLessThan(1e-4);
        }
      }
      console.log(`${bundle.id} reference:\n  ${rows.join('\n  ')}`);
    });
  }
});
