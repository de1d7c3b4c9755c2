import { afterAll, describe, expect, it } from 'vitest';
import { dequantizeWeight, formatName, granularityName, quantizeWeight, type PackedWeight } from '../../src/quant';
import { DequantKernel, GpuPackedWeight } from '../../src/kernels';
import { testDevice } from './device';
import {
  ALL_GRANULARITIES,
  ALL_WEIGHT_FORMATS,
  freshSeed,
  makeRng,
  outputF32,
  randomWeights,
  readF32,
} from './helpers/kernelTestKit';

const seed = freshSeed();
let kernelInstance: DequantKernel | undefined;
const kernelPromise = testDevice().then((device) => (kernelInstance = new DequantKernel(device)));
afterAll(() => kernelInstance?.destroy());

/** Index of the first element whose f32 bits differ (+0 and -0 count as different), or -1. */
function firstBitMismatch(actual: Float32Array, expected: Float32Array): number {
  const a = new Uint32Array(actual.buffer, actual.byteOffset, actual.length);
  const b = new Uint32Array(expected.buffer, expected.byteOffset, expected.length);
  for (let i = 0; i < b.length; i++) if (a[i] !== b[i]) return i;
  return -1;
}

describe(`DequantKernel matches dequantizeWeight bit for bit (seed ${seed})`, () => {
  // K values straddle word, block and group boundaries; rows are not multiples of anything.
  const shapes: Array<[rows: number, cols: number]> = [
    [7, 257],
    [33, 100],
    [3, 45],
  ];

  it('every format x granularity x shape', async () => {
    const device = await testDevice();
    const kernel = await kernelPromise;
    const rng = makeRng(seed);
    let checked = 0;
    for (const format of ALL_WEIGHT_FORMATS) {
      for (const granularity of ALL_GRANULARITIES) {
        for (const [rows, cols] of shapes) {
          const packed = quantizeWeight(randomWeights(rng, rows, cols), rows, cols, format, granularity);
          const expected = dequantizeWeight(packed);
          const weight = GpuPackedWeight.upload(device, packed, 'test.dequant.weight');
          const output = outputF32(device, rows * cols, 'test.dequant.output');
          await kernel.run({ weight, output });
          const actual = await readF32(device, output, rows * cols);
          const where = `${formatName(format)} ${granularityName(granularity)} ${rows}x${cols} seed ${seed}`;
          const bad = firstBitMismatch(actual, expected);
          expect(bad, `${where}: element ${bad} is ${actual[bad]}, reference ${expected[bad]}`).toBe(-1);
          weight.destroy();
          output.destroy();
          checked++;
        }
      }
    }
    expect(checked).toBe(ALL_WEIGHT_FORMATS.length * ALL_GRANULARITIES.length * shapes.length);
  });

  it('tiny weights (f16 subnormal scales) and a large 2D grid', async () => {
    const device = await testDevice();
    const kernel = await kernelPromise;
    const rng = makeRng(seed + 1);
    // 1e-6 weights give scales below 2^-14, the f16 subnormal range that unpack2x16float must decode exactly.
    for (const format of ALL_WEIGHT_FORMATS.filter((_, i) => i % 3 === 0)) {
      const packed = quantizeWeight(randomWeights(rng, 5, 70, 1e-6), 5, 70, format, { kind: 'group', size: 32 });
      const expected = dequantizeWeight(packed);
      const weight = GpuPackedWeight.upload(device, packed, 'test.dequant.tiny');
      const output = outputF32(device, 5 * 70, 'test.dequant.output');
      await kernel.run({ weight, output });
      const bad = firstBitMismatch(await readF32(device, output, 5 * 70), expected);
      expect(bad, `${formatName(format)} tiny seed ${seed + 1}: element ${bad}`).toBe(-1);
      weight.destroy();
      output.destroy();
    }
    // rows * cols / 256 > 65535 workgroups: the grid goes 2D. Random codes and f16 scales are packed directly
    // (quantizing 16M weights on the CPU would dominate the test time).
    const rows = 1025;
    const cols = 16384;
    const codes = new Uint32Array(rows * (cols / 16));
    for (let i = 0; i < codes.length; i++) codes[i] = Math.floor(rng() * 2 ** 32);
    const scales = new Uint16Array(rows + (rows & 1));
    for (let r = 0; r < rows; r++) scales[r] = 0x1000 + Math.floor(rng() * 0x3000); // positive normal f16
    const packed: PackedWeight = {
      format: { kind: 'int', bits: 2, symmetric: true },
      granularity: { kind: 'channel' },
      rows,
      cols,
      bits: 2,
      groupSize: cols,
      groupsPerRow: 1,
      wordsPerRow: cols / 16,
      codes,
      scales,
    };
    const expected = dequantizeWeight(packed);
    const weight = GpuPackedWeight.upload(device, packed, 'test.dequant.large');
    const output = outputF32(device, rows * cols, 'test.dequant.output');
    await kernel.run({ weight, output });
    const bad = firstBitMismatch(await readF32(device, output, rows * cols), expected);
    expect(bad, `int2s channel ${rows}x${cols} seed ${seed + 1}: element ${bad}`).toBe(-1);
    weight.destroy();
    output.destroy();
  });
});
