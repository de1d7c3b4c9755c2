import { describe, expect, it } from 'vitest';
import { CfgCombineKernel, ditEpsCfgLayout } from '../../../src/kernels/ops/cfgCombineKernel';
import { DdimStepKernel, DdpmStepKernel, ditVarianceSource } from '../../../src/kernels/ops/diffusionStepKernels';
import { ddimCoefficients, ddpmCoefficients, respacedSchedule } from '../../../src/ops/diffusionSchedule';
import { ddimStepRef, ddpmStepRef } from '../../../src/ops/diffusionStep';
import { ditCfgRef } from '../../../src/ops/sampling';
import { Rng } from '../../../src/util/random';
import { testDevice } from '../device';
import { expectClose, freshSeed, uniformArray } from '../../ops/closeness';
import { torchReference } from '../../ops/fixtures/torchReference';
import { readF32, uploadF32 } from './gpuArrays';

// f32 arithmetic on O(1..30) values (sqrt(1/acp) reaches ~150 at early steps, with cancellation in x0).
const TOL = { atol: 2e-5, rtol: 2e-5 };

describe('diffusion step kernels', () => {
  it('reproduce training/diffusion.py DDPM and DDIM steps, reading eps and v straight from the model output', async () => {
    const device = await testDevice();
    const f = torchReference().steps;
    const [B, C, H, W] = f.shape;
    const s = respacedSchedule(f.steps);
    const ddpm = new DdpmStepKernel(device);
    const ddim = new DdimStepKernel(device);
    const modelOut = uploadF32(device, 'modelOut', f.modelOut);
    const noise = uploadF32(device, 'noise', f.noise);
    // The fixture has no CFG: model output [B, 2C, H, W], eps = channels 0..C-1, v = C..2C-1.
    const size = C * H * W;
    const eps = { buffer: modelOut, offset: 0, batchStride: 2 * size };
    const v = { buffer: modelOut, offset: size, batchStride: 2 * size };
    for (const c of f.cases) {
      const x1 = uploadF32(device, 'x', f.xt);
      const x2 = uploadF32(device, 'x', f.xt);
      const encoder = device.createCommandEncoder();
      ddpm.encode(encoder, {
        x: x1,
        batch: B,
        sampleSize: size,
        eps,
        v,
        noise,
        coefficients: ddpmCoefficients(s, c.i),
      });
      ddim.encode(encoder, { x: x2, batch: B, sampleSize: size, eps, coefficients: ddimCoefficients(s, c.i) });
      device.queue.submit([encoder.finish()]);
      expectClose(await readF32(device, x1, B * size), c.ddpm, TOL, `DDPM i=${c.i}`);
      expectClose(await readF32(device, x2, B * size), c.ddim, TOL, `DDIM i=${c.i}`);
      x1.destroy();
      x2.destroy();
    }
    [modelOut, noise].forEach((b) => b.destroy());
    ddpm.destroy();
    ddim.destroy();
  });

  it('CFG on eps then a DDPM step, and DDIM with eta > 0, match the references (250-step schedule)', async () => {
    const device = await testDevice();
    const seed = freshSeed();
    const rng = new Rng(seed);
    const [B, C, H] = [2, 4, 8];
    const size = C * H * H;
    const out = uniformArray(() => rng.next(), 2 * B * 2 * size, -1, 1);
    const x = Float32Array.from(rng.normals(B * size));
    const noise = Float32Array.from(rng.normals(B * size));
    const s = respacedSchedule(250);
    const i = 1 + Math.floor(rng.next() * 248);
    const cfg = 4;
    const cond: number[] = [];
    const uncond: number[] = [];
    const v: number[] = [];
    for (let b = 0; b < B; b++) {
      cond.push(...out.subarray(b * 2 * size, b * 2 * size + size));
      v.push(...out.subarray(b * 2 * size + size, (b + 1) * 2 * size));
      uncond.push(...out.subarray((B + b) * 2 * size, (B + b) * 2 * size + size));
    }
    const guided = ditCfgRef(cond, uncond, cfg);
    const cfgKernel = new CfgCombineKernel(device);
    const ddpm = new DdpmStepKernel(device);
    const ddim = new DdimStepKernel(device);
    const buf = {
      out: uploadF32(device, 'modelOut', out),
      eps: uploadF32(device, 'eps', new Float32Array(B * size)),
      x1: uploadF32(device, 'x1', x),
      x2: uploadF32(device, 'x2', x),
      noise: uploadF32(device, 'noise', noise),
    };
    const encoder = device.createCommandEncoder();
    cfgKernel.encode(encoder, {
      formula: 'dit',
      weight: cfg,
      src: buf.out,
      dst: buf.eps,
      ...ditEpsCfgLayout(B, C, H, H),
    });
    ddpm.encode(encoder, {
      x: buf.x1,
      batch: B,
      sampleSize: size,
      eps: { buffer: buf.eps },
      v: ditVarianceSource(C, H, H, buf.out),
      noise: buf.noise,
      coefficients: ddpmCoefficients(s, i),
    });
    ddim.encode(encoder, {
      x: buf.x2,
      batch: B,
      sampleSize: size,
      eps: { buffer: buf.eps },
      noise: buf.noise,
      coefficients: ddimCoefficients(s, i, 0.5),
    });
    device.queue.submit([encoder.finish()]);
    const context = `step ${i} seed ${seed}`;
    expectClose(
      await readF32(device, buf.x1, B * size),
      ddpmStepRef(x, guided, v, noise, ddpmCoefficients(s, i)),
      TOL,
      `DDPM ${context}`,
    );
    expectClose(
      await readF32(device, buf.x2, B * size),
      ddimStepRef(x, guided, noise, ddimCoefficients(s, i, 0.5)),
      TOL,
      `DDIM eta 0.5 ${context}`,
    );
    [cfgKernel, ddpm, ddim].forEach((k) => k.destroy());
    Object.values(buf).forEach((b) => b.destroy());
  });

  it('asks for noise when the step adds noise', async () => {
    const device = await testDevice();
    const kernel = new DdpmStepKernel(device);
    const [x, e] = [uploadF32(device, 'x', new Float32Array(8)), uploadF32(device, 'e', new Float32Array(16))];
    const coefficients = ddpmCoefficients(respacedSchedule(10), 3);
    expect(() =>
      kernel.encode(device.createCommandEncoder(), {
        x,
        batch: 2,
        sampleSize: 4,
        eps: { buffer: e },
        v: { buffer: e },
        coefficients,
      }),
    ).toThrow(/pass noise/);
    kernel.destroy();
    [x, e].forEach((b) => b.destroy());
  });
});
