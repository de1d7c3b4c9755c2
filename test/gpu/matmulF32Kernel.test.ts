import { afterAll, describe, expect, it } from 'vitest';
import { matmulReference } from '../../src/quant';
import { f32ToF16Bits } from '../../src/quant/f16';
import { f16ArrayToF32 } from '../../src/models/bundle';
import { MatmulF32Kernel, type DenseWeightFormat, type MatmulVariant } from '../../src/kernels';
import { testDevice } from './device';
import {
  STORAGE_IO,
  freshSeed,
  makeRng,
  outputF32,
  randomActivations,
  randomWeights,
  readF32,
  relativeMaxError,
  uploadF32,
} from './helpers/kernelTestKit';

// f32 accumulation in a different order than the f64 reference. f16 weights are decoded exactly (the reference
// multiplies the same f16 values, decoded on the CPU by f16ArrayToF32), so they get the same tolerance.
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
    const variants: MatmulVariant[] = ['auto', 'gemv', 'gemm', 'gemm-rows', 'gemm-block', 'gemv-rows', 'gemv-splitk'];
    if (device.features.has('subgroups')) variants.push('gemv-subgroup');
    else
      console.log(
        'MatmulF32Kernel test: gemv-subgroup skipped, the device lacks the subgroups feature (gemv-splitk is its fallback, tested above)',
      );
    const formats: DenseWeightFormat[] = ['f32', 'f16'];
    for (const { m, k, n } of shapes) {
      for (const variant of variants) {
        for (const [withBias, wFormat] of [false, true].flatMap((b) => formats.map((f) => [b, f] as const))) {
          const generated = randomWeights(rng, n, k, 0.1);
          // f16 weights: the f16 rounding of the random values, as a bundle stores them (n * k may be odd: packed back to back).
          const wBits = wFormat === 'f16' ? Uint16Array.from(generated, (v) => f32ToF16Bits(v)) : undefined;
          const wData = wBits ? f16ArrayToF32(wBits) : generated;
          const xData = randomActivations(rng, m * k);
          const biasData = withBias ? randomActivations(rng, n) : undefined;
          const expected = matmulReference(xData, m, k, wData, n, biasData);
          const w = wBits
            ? uploadHalves(device, wBits, 'test.matmulF16.w')
            : uploadF32(device, wData, 'test.matmulF32.w');
          const x = uploadF32(device, xData, 'test.matmulF32.x');
          const bias = biasData ? uploadF32(device, biasData, 'test.matmulF32.bias') : undefined;
          const y = outputF32(device, m * n, 'test.matmulF32.y');
          await kernel.run({ w, wFormat, n, k, x, y, m, bias, variant });
          const actual = await readF32(device, y, m * n);
          const { error, index } = relativeMaxError(actual, expected);
          const where = `${wFormat} W, ${variant} m=${m} k=${k} n=${n} bias=${withBias} seed ${seed}`;
          expect(error, `${where}: Y[${index}] = ${actual[index]}, reference ${expected[index]}`).toBeLessThanOrEqual(
            TOLERANCE,
          );
          for (const buffer of [w, x, y, bias]) buffer?.destroy();
        }
      }
    }
  });

  it('rejects an f16 W buffer shorter than n * k halves, naming the layout', async () => {
    const device = await testDevice();
    kernel ??= new MatmulF32Kernel(device);
    const [m, k, n] = [1, 33, 9];
    // 9 x 33 = 297 halves need 149 words (596 bytes); an f32-sized check would have wanted 1188.
    const w = uploadHalves(device, new Uint16Array(296), 'test.matmulF16.short');
    const x = uploadF32(device, new Float32Array(m * k), 'test.matmulF16.x');
    const y = outputF32(device, m * n, 'test.matmulF16.y');
    expect(() => kernel!.encode(device.createCommandEncoder(), { w, wFormat: 'f16', n, k, x, y, m })).toThrow(
      /f16 W \[9, 33\]/,
    );
    for (const buffer of [w, x, y]) buffer.destroy();
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
    for (const variant of ['gemv-rows', 'gemv-splitk', 'gemm', 'gemm-block'] as const) {
      await kernel.run({
        w,
        n,
        k,
        x: { buffer: x, offset: align },
        y: { buffer: y, offset: 2 * align, size: m * n * 4 },
        m,
        variant,
      });
      const all = await readF32(device, y, yFloats);
      const actual = all.subarray((2 * align) / 4, (2 * align) / 4 + m * n);
      const { error, index } = relativeMaxError(actual, expected);
      expect(
        error,
        `${variant} slice seed ${seed + 1}: Y[${index}] = ${actual[index]}, reference ${expected[index]}`,
      ).toBeLessThanOrEqual(TOLERANCE);
      // Outside the slice the NaN fill must survive.
      expect(all.subarray(0, (2 * align) / 4).every(Number.isNaN)).toBe(true);
      expect(all.subarray((2 * align) / 4 + m * n).every(Number.isNaN)).toBe(true);
    }
    for (const buffer of [x, w, y]) buffer.destroy();
  });
});

/** f16 bit patterns two per u32 word (element 2i in the low half), zero-padded to whole words. */
function uploadHalves(device: GPUDevice, bits: Uint16Array, label: string): GPUBuffer {
  const buffer = device.createBuffer({
    label,
    size: Math.max(16, Math.ceil(bits.length / 2) * 4),
    usage: STORAGE_IO,
    mappedAtCreation: true,
  });
  new Uint16Array(buffer.getMappedRange()).set(bits);
  buffer.unmap();
  return buffer;
}
