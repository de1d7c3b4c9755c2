import { afterAll, describe, expect, it } from 'vitest';
import { dequantizeWeight, formatName, granularityName, matmulReference, quantizeWeight } from '../../src/quant';
import { GpuPackedWeight, QuantMatmulKernel, type MatmulVariant } from '../../src/kernels';
import { testDevice } from './device';
import {
  ALL_GRANULARITIES,
  ALL_WEIGHT_FORMATS,
  freshSeed,
  makeRng,
  outputF32,
  randomActivations,
  randomWeights,
  readF32,
  relativeMaxError,
  uploadF32,
} from './helpers/kernelTestKit';

// f32 accumulation in a different order than the f64 reference (and, in qgemv, the scale applied per 32-code
// block instead of per weight): a few ulps of the largest output.
const TOLERANCE = 1e-4;
const seed = freshSeed();
let kernel: QuantMatmulKernel | undefined;
afterAll(() => kernel?.destroy());

async function checkMatmul(
  rng: () => number,
  shape: { m: number; k: number; n: number },
  format: (typeof ALL_WEIGHT_FORMATS)[number],
  granularity: (typeof ALL_GRANULARITIES)[number],
  variant: MatmulVariant,
  withBias: boolean,
): Promise<void> {
  const device = await testDevice();
  kernel ??= new QuantMatmulKernel(device);
  const { m, k, n } = shape;
  const packed = quantizeWeight(randomWeights(rng, n, k), n, k, format, granularity);
  const xData = randomActivations(rng, m * k);
  const biasData = withBias ? randomActivations(rng, n, 0.1) : undefined;
  const expected = matmulReference(xData, m, k, dequantizeWeight(packed), n, biasData);

  const weight = GpuPackedWeight.upload(device, packed, 'test.qmatmul.weight');
  const x = uploadF32(device, xData, 'test.qmatmul.x');
  const bias = biasData ? uploadF32(device, biasData, 'test.qmatmul.bias') : undefined;
  const y = outputF32(device, m * n, 'test.qmatmul.y');
  await kernel.run({ weight, x, y, m, k, bias, variant });
  const actual = await readF32(device, y, m * n);
  const { error, index } = relativeMaxError(actual, expected);
  const where = `${variant} ${formatName(format)} ${granularityName(granularity)} m=${m} k=${k} n=${n} bias=${withBias} seed ${seed}`;
  expect(error, `${where}: Y[${index}] = ${actual[index]}, reference ${expected[index]}`).toBeLessThanOrEqual(TOLERANCE);
  for (const buffer of [x, y, bias]) buffer?.destroy();
  weight.destroy();
}

describe(`QuantMatmulKernel against dequantizeWeight + matmulReference (seed ${seed}, tolerance ${TOLERANCE} of max|Y|)`, () => {
  // K straddles blocks of 32 codes and groups (45, 100, 257), N is not a multiple of the rows per workgroup or the
  // tile (7, 33, 130), M is 1, a few, or more than one small tile.
  const shapes = [
    { m: 1, k: 257, n: 33 },
    { m: 3, k: 100, n: 7 },
    { m: 16, k: 45, n: 130 },
    { m: 2, k: 128, n: 9 },
  ];

  it('GEMV (m = 1 and batched tokens): every format x granularity', async () => {
    const rng = makeRng(seed);
    let i = 0;
    for (const format of ALL_WEIGHT_FORMATS) {
      for (const granularity of ALL_GRANULARITIES) {
        const shape = shapes[i % shapes.length];
        await checkMatmul(rng, shape, format, granularity, 'gemv', i % 2 === 0);
        i++;
      }
    }
  });

  // Shapes here keep m <= 16 (the small tiling), so each format compiles one GEMM pipeline; the 64x64 tiling is
  // covered below with m = 17 and 70.
  it('GEMM (tiled): every format x granularity', async () => {
    const rng = makeRng(seed + 1);
    let i = 0;
    for (const format of ALL_WEIGHT_FORMATS) {
      for (const granularity of ALL_GRANULARITIES) {
        const shape = shapes[(i + 1) % shapes.length];
        await checkMatmul(rng, shape, format, granularity, 'gemm', i % 2 === 1);
        i++;
      }
    }
  });

  it('auto picks a path for every shape, including the large GEMM tile and K = 1', async () => {
    const rng = makeRng(seed + 2);
    const cases = [
      { m: 1, k: 300, n: 70 },
      { m: 70, k: 257, n: 65 }, // > 16 tokens: 64x64 tiles, partial in both directions
      { m: 17, k: 45, n: 130 },
      { m: 5, k: 1, n: 3 },
      { m: 1, k: 1, n: 1 },
      { m: 1, k: 4096, n: 5 }, // many blocks per lane
    ];
    for (const shape of cases) {
      await checkMatmul(rng, shape, { kind: 'int', bits: 4, symmetric: false }, { kind: 'channel' }, 'auto', true);
      await checkMatmul(rng, shape, { kind: 'int', bits: 3, symmetric: true }, { kind: 'tensor' }, 'auto', false);
      await checkMatmul(rng, shape, { kind: 'fp', name: 'e2m1' }, { kind: 'group', size: 32 }, 'auto', true);
    }
  });
});
