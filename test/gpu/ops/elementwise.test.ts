import { describe, expect, it } from 'vitest';
import { ActivationKernel } from '../../../src/kernels/ops/activationKernel';
import { ResidualAddKernel } from '../../../src/kernels/ops/residualAddKernel';
import { activationRef, residualAddRef } from '../../../src/ops/elementwise';
import { Rng } from '../../../src/util/random';
import { testDevice } from '../device';
import { expectClose, freshSeed, uniformArray } from '../../ops/closeness';
import { outputBuffer, readF32, uploadF32 } from './gpuArrays';

// One or two f32 roundings per element (exp/tanh builtins included) on O(1..10) values.
const TOL = { atol: 2e-6, rtol: 2e-6 };

describe('ResidualAddKernel', () => {
  for (const c of [
    { batch: 2, tokens: 5, channels: 67, gated: true },
    { batch: 1, tokens: 300, channels: 3, gated: false },
  ]) {
    it(`x += ${c.gated ? 'gate * ' : ''}y: B=${c.batch} L=${c.tokens} C=${c.channels}`, async () => {
      const device = await testDevice();
      const seed = freshSeed();
      const rng = new Rng(seed);
      const rows = c.batch * c.tokens;
      const n = rows * c.channels;
      const x = uniformArray(() => rng.next(), n, -3, 3);
      const y = uniformArray(() => rng.next(), n, -3, 3);
      // A DiT-style adaLN output [B, 6C] with gate_msa as chunk 2.
      const ada = uniformArray(() => rng.next(), c.batch * 6 * c.channels, -2, 2);
      const layout = { stride: 6 * c.channels, offset: 2 * c.channels };
      const expected = residualAddRef(
        x,
        y,
        rows,
        c.channels,
        c.gated ? { values: ada, layout, tokensPerSample: c.tokens } : undefined,
      );
      const kernel = new ResidualAddKernel(device);
      const xBuf = uploadF32(device, 'x', x);
      const yBuf = uploadF32(device, 'y', y);
      const adaBuf = uploadF32(device, 'ada', ada);
      await kernel.run({
        x: xBuf,
        y: yBuf,
        rows,
        channels: c.channels,
        gate: c.gated ? { buffer: adaBuf, tokensPerSample: c.tokens, ...layout } : undefined,
      });
      expectClose(await readF32(device, xBuf, n), expected, TOL, `residual C=${c.channels} seed ${seed}`);
      kernel.destroy();
      for (const b of [xBuf, yBuf, adaBuf]) b.destroy();
    });
  }
});

describe('ActivationKernel', () => {
  for (const activation of ['silu', 'gelu-tanh'] as const) {
    for (const inPlace of [false, true]) {
      it(`${activation} ${inPlace ? 'in place' : 'out of place'} over 1000 values incl. large magnitudes`, async () => {
        const device = await testDevice();
        const seed = freshSeed();
        const rng = new Rng(seed);
        const x = uniformArray(() => rng.next(), 1000, -8, 8);
        // Saturation: exp/tanh must not produce NaN far out.
        x.set([-100, -30, 0, 30, 100], 0);
        const expected = activationRef(activation, x);
        const kernel = new ActivationKernel(device);
        const src = uploadF32(device, 'src', x);
        const dst = inPlace ? src : outputBuffer(device, 'dst', x.length);
        await kernel.run({ activation, src: inPlace ? undefined : src, dst, count: x.length });
        expectClose(await readF32(device, dst, x.length), expected, TOL, `${activation} seed ${seed}`);
        if (!inPlace) expect(Array.from(await readF32(device, src, 5))).toEqual(Array.from(x.subarray(0, 5)));
        kernel.destroy();
        src.destroy();
        dst.destroy();
      });
    }
  }
});
