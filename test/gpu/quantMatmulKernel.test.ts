import { afterAll, describe, expect, it } from 'vitest';
import { dequantizeWeight, formatName, granularityName, matmulReference, quantizeWeight } from '../../src/quant';
import {
  CPU_GEMM_BLOCK_MIN_M,
  CPU_GEMM_ROWS_MAX_M,
  GpuPackedWeight,
  QuantMatmulKernel,
  type GemvVariant,
  type MatmulVariant,
} from '../../src/kernels';
import { dawnGpu, testDevice } from './device';
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

// f32 accumulation in a different order than the f64 reference (and, in the GEMVs, the scale applied per 32-code
// block or per group instead of per weight): a few ulps of the largest output.
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
  expect(error, `${where}: Y[${index}] = ${actual[index]}, reference ${expected[index]}`).toBeLessThanOrEqual(
    TOLERANCE,
  );
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

  // Every GEMV variant, whichever the adapter would pick: 'gemv-rows' (CPU adapters), 'gemv-subgroup' (GPUs with
  // subgroups) and its fallback 'gemv-splitk'. A variant the device lacks is skipped with the reason logged.
  const gemvVariants: GemvVariant[] = ['gemv-rows', 'gemv-subgroup', 'gemv-splitk'];
  for (const variant of gemvVariants) {
    it(`${variant} (m = 1 and batched tokens): every format x granularity`, async (context) => {
      const device = await testDevice();
      if (variant === 'gemv-subgroup' && !device.features.has('subgroups')) {
        console.warn(
          `skipped ${variant}: the test device lacks the 'subgroups' feature; its fallback gemv-splitk is tested`,
        );
        context.skip();
      }
      const rng = makeRng(seed + gemvVariants.indexOf(variant) * 101);
      let i = 0;
      for (const format of ALL_WEIGHT_FORMATS) {
        for (const granularity of ALL_GRANULARITIES) {
          const shape = shapes[i % shapes.length];
          await checkMatmul(rng, shape, format, granularity, variant, i % 2 === 0);
          i++;
        }
      }
    });
  }

  // 'gemm-rows' (CPU adapters, a few to a few dozen tokens): 4 tokens per invocation for m <= 4, else 8, with m not
  // a multiple of either (tokens past m are clamped and not stored), K with a partial block, every format.
  it('gemm-rows (register-blocked, 4 or 8 tokens per invocation): every format x granularity', async () => {
    const rng = makeRng(seed + 977);
    const rowsShapes = [
      { m: 2, k: 257, n: 33 },
      { m: 5, k: 100, n: 7 },
      { m: 19, k: 64, n: 130 },
      { m: 4, k: 128, n: 9 },
      { m: 8, k: 96, n: 65 },
    ];
    let i = 0;
    for (const format of ALL_WEIGHT_FORMATS) {
      for (const granularity of ALL_GRANULARITIES) {
        await checkMatmul(rng, rowsShapes[i % rowsShapes.length], format, granularity, 'gemm-rows', i % 2 === 0);
        i++;
      }
    }
  });

  // 'gemm-block' (CPU adapters, CPU_GEMM_BLOCK_MIN_M tokens or more, INT weights of 2, 4 and 8 bits): 8 columns x 8
  // tokens per invocation, with m not a multiple of 8, N not a multiple of 8 (clamped columns are not stored) and K
  // with a partial block: the formats 'auto' sends there, every granularity.
  it('gemm-block (8 columns x 8 tokens per invocation): INT 2/4/8 x every granularity; other formats refused', async () => {
    const rng = makeRng(seed + 1511);
    const blockShapes = [
      { m: 37, k: 257, n: 33 },
      { m: 70, k: 128, n: 258 },
      { m: 9, k: 100, n: 7 },
      { m: 64, k: 64, n: 5 },
    ];
    const quadFormats = ALL_WEIGHT_FORMATS.filter((f) => f.kind === 'int' && 32 % f.bits === 0);
    expect(quadFormats.length).toBeGreaterThanOrEqual(6);
    let i = 0;
    for (const format of quadFormats) {
      for (const granularity of ALL_GRANULARITIES) {
        await checkMatmul(rng, blockShapes[i % blockShapes.length], format, granularity, 'gemm-block', i % 2 === 0);
        i++;
      }
    }
    // Other formats are refused (with the fix), not compiled: their code-by-code decodes x 8 columns take SwiftShader
    // minutes to compile; 'auto' sends them to gemm-rows or the tiled GEMM (checked above and in the choice test).
    await expect(
      checkMatmul(
        rng,
        blockShapes[0],
        { kind: 'int', bits: 3, symmetric: false },
        { kind: 'group', size: 32 },
        'gemm-block',
        true,
      ),
    ).rejects.toThrow(/gemm-block' takes INT weights of 2, 4 or 8 bits.*use 'auto'/);
    await expect(
      checkMatmul(rng, blockShapes[1], { kind: 'fp', name: 'e2m1' }, { kind: 'group', size: 32 }, 'gemm-block', false),
    ).rejects.toThrow(/gemm-block/);
  });

  it('without the subgroups feature, gemv-subgroup is an error and the adapter GEMV is the split-K fallback', async () => {
    // A second device on the same adapter, created without optional features.
    const adapter = await dawnGpu().requestAdapter({ forceFallbackAdapter: true });
    const plain = await adapter!.requestDevice();
    expect(plain.features.has('subgroups')).toBe(false);
    const noSubgroups = new QuantMatmulKernel(plain, {
      kind: 'gpu',
      subgroups: false,
      shaderF16: false,
      basis: 'test',
    });
    const packed = quantizeWeight(
      randomWeights(makeRng(seed), 5, 64),
      5,
      64,
      { kind: 'int', bits: 4, symmetric: true },
      { kind: 'group', size: 32 },
    );
    const weight = GpuPackedWeight.upload(plain, packed, 'test.noSubgroups.weight');
    const xData = randomActivations(makeRng(seed + 3), 64);
    const x = uploadF32(plain, xData, 'test.noSubgroups.x');
    const y = outputF32(plain, 5, 'test.noSubgroups.y');
    expect(() =>
      noSubgroups.encode(plain.createCommandEncoder(), { weight, x, y, m: 1, k: 64, variant: 'gemv-subgroup' }),
    ).toThrow(/subgroups/);
    expect(noSubgroups.choose(1, 'gemv').path).toBe('gemv-splitk');
    await noSubgroups.run({ weight, x, y, m: 1, k: 64, variant: 'gemv' });
    const expected = matmulReference(xData, 1, 64, dequantizeWeight(packed), 5);
    const actual = await readF32(plain, y, 5);
    expect(relativeMaxError(actual, expected).error).toBeLessThanOrEqual(TOLERANCE);
    noSubgroups.destroy();
    weight.destroy();
    plain.destroy();
  });

  it('the path choice follows the adapter: rows on a CPU adapter, subgroups or split-K on a GPU, GEMM for many tokens', async () => {
    const device = await testDevice();
    const cpu = new QuantMatmulKernel(device, { kind: 'cpu', subgroups: true, shaderF16: false, basis: 'test' });
    const gpu = new QuantMatmulKernel(device, { kind: 'gpu', subgroups: true, shaderF16: false, basis: 'test' });
    const gpuNoSubgroups = new QuantMatmulKernel(device, {
      kind: 'gpu',
      subgroups: false,
      shaderF16: false,
      basis: 'test',
    });
    expect(cpu.choose(1).path).toBe('gemv-rows');
    expect(gpu.choose(1).path).toBe('gemv-subgroup');
    expect(gpuNoSubgroups.choose(1).path).toBe('gemv-splitk');
    expect(gpu.choose(2).path).toBe('gemm');
    expect(cpu.choose(2).path).toBe('gemm-rows');
    expect(cpu.choose(CPU_GEMM_BLOCK_MIN_M - 1).path).toBe('gemm-rows');
    expect(cpu.choose(CPU_GEMM_BLOCK_MIN_M).path).toBe('gemm-block');
    expect(cpu.choose(CPU_GEMM_ROWS_MAX_M + 1).path).toBe('gemm-block');
    expect(cpu.choose(64, 'auto', { kind: 'int', bits: 8, symmetric: true }).path).toBe('gemm-block');
    expect(cpu.choose(64, 'auto', { kind: 'int', bits: 2, symmetric: false }).path).toBe('gemm-block');
    // Code-by-code decodes keep gemm-rows up to CPU_GEMM_ROWS_MAX_M tokens, then the tiled GEMM.
    expect(cpu.choose(CPU_GEMM_ROWS_MAX_M, 'auto', { kind: 'int', bits: 3, symmetric: true }).path).toBe('gemm-rows');
    expect(cpu.choose(CPU_GEMM_ROWS_MAX_M + 1, 'auto', { kind: 'int', bits: 3, symmetric: true }).path).toBe('gemm');
    expect(cpu.choose(64, 'auto', { kind: 'fp', name: 'e4m3' }).path).toBe('gemm');
    expect(gpu.choose(64, 'auto', { kind: 'int', bits: 4, symmetric: true }).path).toBe('gemm');
    expect(gpu.choose(64, 'gemv').path).toBe('gemv-subgroup');
    // SwiftShader (the test device) reports itself as a fallback adapter.
    expect(new QuantMatmulKernel(device).profile.kind).toBe('cpu');
    for (const k of [cpu, gpu, gpuNoSubgroups]) k.destroy();
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
      // On a CPU adapter 'auto' takes gemm-rows for these m: the tiled GEMM with the 64x64 tile is checked too.
      if (shape.m > 16)
        await checkMatmul(rng, shape, { kind: 'int', bits: 4, symmetric: false }, { kind: 'channel' }, 'gemm', true);
    }
  });
});
