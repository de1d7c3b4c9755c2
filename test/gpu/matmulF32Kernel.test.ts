import { afterAll, describe, expect, it } from 'vitest';
import { matmulReference } from '../../src/quant';
import { MatmulF32Kernel, type MatmulVariant } from '../../src/kernels';
import { testDevice } from './device';
import { freshSeed, makeRng, outputF32, randomActivations, randomWeights, readF32, relativeMaxError, uploadF32 } from './helpers/kernelTestKit';

// f32 accumulation in a different order than the f64 reference.
const TOLERANCE = 1e-4;
const seed = freshSeed();
let kernel: MatmulF32Kernel | undefined;
afterAll(() => kernel?.destroy());

describe(`MatmulF32Kernel against matmulReference (seed ${seed}, tolerance ${TOLERANCE} of max|Y|)`, () => {
  it('GEMV and both GEMM tilings on shapes that divide nothing', async () => {
    const device = await testDevice();
    kernel ??= new MatmulF32Kernel(device);
    const rng = makeRng(seed);
    const shapes = [
      { m: 1, k: 257, n: 33 },
      { m: 3, k: 100, n: 7 },
      { m: 17, k: 45, n: 130 },
      { m: 70, k: 129, n: 65 },
      { m: 1, k: 1, n: 1 },
    ];
    const variants: MatmulVariant[] = ['auto', 'gemv', 'gemm', 'gemm-rows', 'gemv-rows', 'gemv-splitk'];
    for (const { m, k, n } of shapes) {
      for (const variant of variants) {
        for (const withBias of [false, true]) {
          const wData = randomWeights(rng, n, k, 0.1);
          const xData = randomActivations(rng, m * k);
          const biasData = withBias ? randomActivations(rng, n) : undefined;
          const expected = matmulReference(xData, m, k, wData, n, biasData);
          const w = uploadF32(device, wData, 'test.matmulF32.w');
          const x = uploadF32(device, xData, 'test.matmulF32.x');
          const bias = biasData ? uploadF32(device, biasData, 'test.matmulF32.bias') : undefined;
          const y = outputF32(device, m * n, 'test.matmulF32.y');
          await kernel.run({ w, n, k, x, y, m, bias, variant });
          const actual = await readF32(device, y, m * n);
          const { error, index } = relativeMaxError(actual, expected);
          const where = `${variant} m=${m} k=${k} n=${n} bias=${withBias} seed ${seed}`;
          expect(error, `${where}: Y[${index}] = ${actual[index]}, reference ${expected[index]}`).toBeLessThanOrEqual(TOLERANCE);
          for (const buffer of [w, x, y, bias]) buffer?.destroy();
        }
      }
    }
  });

  it('reads and writes buffer slices at aligned offsets, leaving the rest untouched', async () => {
    const device = await testDevice();
    kernel ??= new MatmulF32Kernel(device);
    const rng = makeRng(seed + 1);
    const [m, k, n] = [5, 37, 11];
    const align = device.limits.minStorageBufferOffsetAlignment;
    const wData = randomWeights(rng, n, k, 0.1);
    const xData = randomActivations(rng, m * k);
    const expected = matmulReference(xData, m, k, wData, n);
    // x sits at one alignment unit into a larger buffer, y at two.
    const xPadded = new Float32Array(align / 4 + m * k + 8).fill(1e9);
    xPadded.set(xData, align / 4);
    const x = uploadF32(device, xPadded, 'test.matmulF32.xSlice');
    const w = uploadF32(device, wData, 'test.matmulF32.w');
    const yFloats = (2 * align) / 4 + m * n + 16;
    const y = outputF32(device, yFloats, 'test.matmulF32.ySlice');
    for (const variant of ['gemv-rows', 'gemv-splitk', 'gemm'] as const) {
      await kernel.run({ w, n, k, x: { buffer: x, offset: align }, y: { buffer: y, offset: 2 * align, size: m * n * 4 }, m, variant });
      const all = await readF32(device, y, yFloats);
      const actual = all.subarray((2 * align) / 4, (2 * align) / 4 + m * n);
      const { error, index } = relativeMaxError(actual, expected);
      expect(error, `${variant} slice seed ${seed + 1}: Y[${index}] = ${actual[index]}, reference ${expected[index]}`).toBeLessThanOrEqual(TOLERANCE);
      // Outside the slice the NaN fill must survive.
      expect(all.subarray(0, (2 * align) / 4).every(Number.isNaN)).toBe(true);
      expect(all.subarray((2 * align) / 4 + m * n).every(Number.isNaN)).toBe(true);
    }
    for (const buffer of [x, w, y]) buffer.destroy();
  });
});
