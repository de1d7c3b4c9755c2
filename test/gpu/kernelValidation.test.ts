import { describe, expect, it } from 'vitest';
import { quantizeWeight } from '../../src/quant';
import {
  ActivationQuantKernel,
  DequantKernel,
  GpuPackedWeight,
  KernelInputError,
  MatmulF32Kernel,
  QuantMatmulKernel,
} from '../../src/kernels';
import { testDevice } from './device';
import { freshSeed, makeRng, outputF32, randomWeights, uploadF32 } from './helpers/kernelTestKit';

const seed = freshSeed();

async function fixture() {
  const device = await testDevice();
  const rng = makeRng(seed);
  const [n, k, m] = [6, 40, 2];
  const packed = quantizeWeight(
    randomWeights(rng, n, k),
    n,
    k,
    { kind: 'int', bits: 4, symmetric: true },
    { kind: 'group', size: 32 },
  );
  const weight = GpuPackedWeight.upload(device, packed, 'test.validation.weight');
  const x = uploadF32(device, new Float32Array(m * k).fill(1), 'test.validation.x');
  const y = outputF32(device, m * n, 'test.validation.y');
  return { device, packed, weight, x, y, n, k, m };
}

describe('kernel input validation (thrown before anything reaches the GPU)', () => {
  it('QuantMatmulKernel rejects mismatched K, short buffers, missing STORAGE usage, aliasing and destroyed weights', async () => {
    const { device, packed, weight, x, y, n, k, m } = await fixture();
    const kernel = new QuantMatmulKernel(device);
    const encoder = device.createCommandEncoder({ label: 'test.validation.encoder' });
    expect(() => kernel.encode(encoder, { weight, x, y, m, k: k + 1 })).toThrow(/k = 41 does not match.*K is 40/);
    expect(() => kernel.encode(encoder, { weight, x, y, m: m + 1, k })).toThrow(
      /x has 320 bytes but f32 X \[3, 40\] needs 480/,
    );
    expect(() => kernel.encode(encoder, { weight, x, y: { buffer: y, size: 4 }, m, k })).toThrow(/y has 4 bytes/);
    expect(() =>
      kernel.encode(encoder, {
        weight,
        x,
        y,
        m,
        k,
        bias: uploadF32(device, new Float32Array(n - 1).fill(1), 'test.validation.shortBias'),
      }),
    ).toThrow(/bias has 20 bytes but f32 bias \[6\] needs 24/);
    expect(() => kernel.encode(encoder, { weight, x, y: x, m, k })).toThrow(/output shares its buffer with x/);
    expect(() => kernel.encode(encoder, { weight, x: { buffer: x, offset: 4 }, y, m, k })).toThrow(
      /offset 4 must be a non-negative multiple/,
    );
    expect(() => kernel.encode(encoder, { weight, x, y, m: 0, k })).toThrow(/m must be a positive integer/);
    const uniformOnly = device.createBuffer({
      label: 'test.validation.uniformOnly',
      size: 1024,
      usage: GPUBufferUsage.UNIFORM,
    });
    expect(() => kernel.encode(encoder, { weight, x: uniformOnly, y, m, k })).toThrow(/lacks STORAGE usage/);
    expect(() => kernel.encode(encoder, { weight, x, y, m, k: 7 })).toThrow(KernelInputError);
    // A correct call on the same encoder still works after all the rejected ones.
    kernel.encode(encoder, { weight, x, y, m, k });
    device.queue.submit([encoder.finish()]);
    weight.destroy();
    weight.destroy(); // idempotent
    expect(() => kernel.encode(device.createCommandEncoder(), { weight, x, y, m, k })).toThrow(
      /was destroyed; upload it again/,
    );
    kernel.destroy();
    kernel.destroy();
    expect(() => kernel.encode(device.createCommandEncoder(), { weight, x, y, m, k })).toThrow(
      /this kernel was destroyed/,
    );
    expect(packed.rows).toBe(n);
    for (const buffer of [x, y, uniformOnly]) buffer.destroy();
  });

  it('the last checks pass a correct call through (so the rejections above are not a blanket failure)', async () => {
    const { device, weight, x, y, k, m } = await fixture();
    const kernel = new QuantMatmulKernel(device);
    await kernel.run({ weight, x, y, m, k });
    kernel.destroy();
    weight.destroy();
    x.destroy();
    y.destroy();
  });

  it('GpuPackedWeight.upload rejects inconsistent layouts', async () => {
    const { device, packed } = await fixture();
    expect(() => GpuPackedWeight.upload(device, { ...packed, wordsPerRow: packed.wordsPerRow + 1 }, 'bad')).toThrow(
      /wordsPerRow 6 should be 5/,
    );
    expect(() => GpuPackedWeight.upload(device, { ...packed, codes: packed.codes.subarray(1) }, 'bad')).toThrow(
      /codes hold 29 words, expected rows\*wordsPerRow = 30/,
    );
    expect(() => GpuPackedWeight.upload(device, { ...packed, scales: new Uint16Array(2) }, 'bad')).toThrow(
      /scales hold 2 entries, expected 12/,
    );
    expect(() => GpuPackedWeight.upload(device, { ...packed, offsets: new Uint16Array(12) }, 'bad')).toThrow(
      /offsets must be present exactly for asymmetric/,
    );
  });

  it('DequantKernel, MatmulF32Kernel and ActivationQuantKernel validate their buffers; destroy() twice is harmless', async () => {
    const { device, weight, x, y, n, k, m } = await fixture();
    const dequant = new DequantKernel(device);
    expect(() => dequant.encode(device.createCommandEncoder(), { weight, output: y })).toThrow(
      /output has 48 bytes but f32 \[6, 40\] needs 960/,
    );
    dequant.destroy();
    dequant.destroy();

    const matmul = new MatmulF32Kernel(device);
    const w = uploadF32(device, new Float32Array(n * k).fill(0.5), 'test.validation.w');
    expect(() => matmul.encode(device.createCommandEncoder(), { w, n, k: k + 1, x, y, m })).toThrow(
      /w has 960 bytes but f32 W \[6, 41\] needs 984/,
    );
    expect(() => matmul.encode(device.createCommandEncoder(), { w, n, k, x, y: w, m })).toThrow(
      /output shares its buffer with w/,
    );
    matmul.destroy();
    matmul.destroy();

    const act = new ActivationQuantKernel(device);
    const encoder = device.createCommandEncoder();
    expect(() =>
      act.encode(encoder, { x, y, tokens: m, cols: k, format: { kind: 'none' }, scaling: { kind: 'token' } }),
    ).toThrow(/nothing to quantise/);
    expect(() =>
      act.encode(encoder, { x, y, tokens: m, cols: k, format: { kind: 'int', bits: 8 }, scaling: { kind: 'token' } }),
    ).toThrow(/y has 48 bytes/);
    expect(() =>
      act.encode(encoder, {
        x,
        y: x,
        tokens: 1,
        cols: 4,
        format: { kind: 'int', bits: 8 },
        scaling: { kind: 'tensor', scale: -1 },
      }),
    ).toThrow(/must be finite and >= 0/);
    act.destroy();
    act.destroy();
    for (const buffer of [x, y, w]) buffer.destroy();
    weight.destroy();
  });
});
