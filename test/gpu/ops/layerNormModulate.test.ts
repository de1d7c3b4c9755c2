import { describe, expect, it } from 'vitest';
import { LayerNormModulateKernel } from '../../../src/kernels/ops/layerNormModulateKernel';
import { KernelInputError } from '../../../src/kernels/errors';
import { layerNormModulateRef } from '../../../src/ops/layerNorm';
import { Rng } from '../../../src/util/random';
import { testDevice } from '../device';
import { expectClose, freshSeed, uniformArray } from '../../ops/closeness';
import { outputBuffer, readF32, uploadF32 } from './gpuArrays';

// f32 accumulation over <= 300 channels against an f64 reference: errors stay near 1e-6 on O(1) outputs.
const TOL = { atol: 1e-5, rtol: 1e-5 };

describe('LayerNormModulateKernel', () => {
  const cases = [
    { batch: 1, tokens: 3, channels: 5, modulated: false, mean: 0 },
    { batch: 2, tokens: 7, channels: 300, modulated: true, mean: 0 },
    { batch: 2, tokens: 5, channels: 64, modulated: true, mean: 30 },
    { batch: 3, tokens: 1, channels: 257, modulated: true, mean: -2 },
  ];
  for (const c of cases) {
    it(`matches the f64 reference: B=${c.batch} L=${c.tokens} C=${c.channels} modulated=${c.modulated}`, async () => {
      const device = await testDevice();
      const seed = freshSeed();
      const rng = new Rng(seed);
      const rows = c.batch * c.tokens;
      const C = c.channels;
      const x = uniformArray(() => rng.next(), rows * C, c.mean - 2, c.mean + 2);
      // A VAR-style adaLN output [B, 6C]; scale = chunk 2, shift = chunk 4.
      const ada = uniformArray(() => rng.next(), c.batch * 6 * C, -1, 1);
      const layout = {
        tokensPerSample: c.tokens,
        scale: { stride: 6 * C, offset: 2 * C },
        shift: { stride: 6 * C, offset: 4 * C },
      };
      const expected = layerNormModulateRef(x, rows, C, 1e-6, c.modulated ? { values: ada, ...layout } : undefined);

      const kernel = new LayerNormModulateKernel(device);
      const xBuf = uploadF32(device, 'x', x);
      const adaBuf = uploadF32(device, 'ada', ada);
      const yBuf = outputBuffer(device, 'y', rows * C);
      await kernel.run({
        x: xBuf,
        y: yBuf,
        rows,
        channels: C,
        eps: 1e-6,
        modulation: c.modulated ? { buffer: adaBuf, ...layout } : undefined,
      });
      expectClose(
        await readF32(device, yBuf, rows * C),
        expected,
        TOL,
        `LN B=${c.batch} L=${c.tokens} C=${C} seed ${seed}`,
      );
      kernel.destroy();
      kernel.destroy();
      for (const b of [xBuf, adaBuf, yBuf]) b.destroy();
    });
  }

  it('rejects a row count that is not whole samples, aliasing, and use after destroy', async () => {
    const device = await testDevice();
    const kernel = new LayerNormModulateKernel(device);
    const a = uploadF32(device, 'a', new Float32Array(64));
    const b = uploadF32(device, 'b', new Float32Array(64));
    const modulation = {
      buffer: b,
      tokensPerSample: 3,
      scale: { stride: 8, offset: 0 },
      shift: { stride: 8, offset: 4 },
    };
    const encoder = device.createCommandEncoder();
    expect(() => kernel.encode(encoder, { x: a, y: b, rows: 4, channels: 4, eps: 1e-6, modulation })).toThrow(
      /multiple of tokensPerSample/,
    );
    expect(() => kernel.encode(encoder, { x: a, y: a, rows: 4, channels: 4, eps: 1e-6 })).toThrow(KernelInputError);
    expect(() => kernel.encode(encoder, { x: a, y: b, rows: 40, channels: 4, eps: 1e-6 })).toThrow(/allocate at least/);
    kernel.destroy();
    expect(() => kernel.encode(encoder, { x: a, y: b, rows: 4, channels: 4, eps: 1e-6 })).toThrow(/destroyed/);
    a.destroy();
    b.destroy();
  });
});
