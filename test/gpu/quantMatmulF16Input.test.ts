import { afterAll, describe, expect, it } from 'vitest';
import {
  dequantizeWeight,
  f16BitsToF32,
  f32ToF16Bits,
  formatName,
  granularityName,
  matmulReference,
  quantizeWeight,
  type Granularity,
  type WeightFormat,
} from '../../src/quant';
import {
  GpuPackedWeight,
  KernelInputError,
  QuantMatmulKernel,
  matmulInputBytes,
  type MatmulVariant,
} from '../../src/kernels';
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

// As in quantMatmulKernel.test.ts: the reference uses the same f16-rounded X, so only the f32 accumulation order
// differs.
const TOLERANCE = 1e-4;
const seed = freshSeed();
let kernel: QuantMatmulKernel | undefined;
afterAll(() => kernel?.destroy());

/** X [m, k] as f16 bits in the kernel's layout (rows padded to an even count of halves), plus its exact values. */
function packF16Rows(x: Float32Array, m: number, k: number): { halves: Uint16Array; rounded: Float32Array } {
  const stride = 2 * Math.ceil(k / 2);
  const halves = new Uint16Array(m * stride); // padding halves stay 0 (never read)
  const rounded = new Float32Array(m * k);
  for (let r = 0; r < m; r++) {
    for (let c = 0; c < k; c++) {
      const bits = f32ToF16Bits(x[r * k + c]);
      halves[r * stride + c] = bits;
      rounded[r * k + c] = f16BitsToF32(bits);
    }
  }
  return { halves, rounded };
}

/** Little-endian u16 pairs = the u32 words unpack2x16float reads (element 2i in the low half). */
function uploadHalves(device: GPUDevice, halves: Uint16Array, label: string): GPUBuffer {
  const buffer = device.createBuffer({
    label,
    size: Math.max(16, Math.ceil(halves.byteLength / 4) * 4),
    usage: STORAGE_IO,
    mappedAtCreation: true,
  });
  new Uint16Array(buffer.getMappedRange(), 0, halves.length).set(halves);
  buffer.unmap();
  return buffer;
}

const FORMATS: { format: WeightFormat; granularity: Granularity }[] = [
  { format: { kind: 'int', bits: 4, symmetric: true }, granularity: { kind: 'group', size: 32 } },
  { format: { kind: 'int', bits: 3, symmetric: false }, granularity: { kind: 'channel' } },
  { format: { kind: 'fp', name: 'e2m1' }, granularity: { kind: 'group', size: 128 } },
];

describe(`QuantMatmulKernel with f16 X storage against matmulReference on f16-rounded X (seed ${seed}, tolerance ${TOLERANCE} of max|Y|)`, () => {
  it('GEMV (m = 1) and GEMM (m = 3, 17) with odd K, three formats, with and without bias', async () => {
    const device = await testDevice();
    kernel ??= new QuantMatmulKernel(device);
    const rng = makeRng(seed);
    const cases: { m: number; k: number; n: number; variant: MatmulVariant }[] = [
      { m: 1, k: 45, n: 33, variant: 'auto' }, // the adapter's gemv
      { m: 1, k: 257, n: 7, variant: 'gemv-splitk' }, // partial block in the last lane
      { m: 3, k: 257, n: 33, variant: 'gemv-rows' }, // gemv over several tokens: row starts on the padded stride
      { m: 3, k: 257, n: 9, variant: 'gemv-splitk' },
      { m: 3, k: 45, n: 65, variant: 'gemm' }, // small tiles
      { m: 17, k: 257, n: 70, variant: 'auto' }, // CPU adapter: gemm-block for INT4, gemm-rows for INT3 / FP4
      { m: 17, k: 257, n: 70, variant: 'gemm' }, // 64x64 tiles
    ];
    let i = 0;
    for (const { format, granularity } of FORMATS) {
      for (const { m, k, n, variant } of [
        ...cases,
        ...(device.features.has('subgroups') ? [{ m: 3, k: 257, n: 33, variant: 'gemv-subgroup' as const }] : []),
      ]) {
        const withBias = i++ % 2 === 0;
        const packed = quantizeWeight(randomWeights(rng, n, k), n, k, format, granularity);
        const { halves, rounded } = packF16Rows(randomActivations(rng, m * k), m, k);
        const biasData = withBias ? randomActivations(rng, n, 0.1) : undefined;
        const expected = matmulReference(rounded, m, k, dequantizeWeight(packed), n, biasData);

        const weight = GpuPackedWeight.upload(device, packed, 'test.qmatmulF16.weight');
        const x = uploadHalves(device, halves, 'test.qmatmulF16.x');
        const bias = biasData ? uploadF32(device, biasData, 'test.qmatmulF16.bias') : undefined;
        const y = outputF32(device, m * n, 'test.qmatmulF16.y');
        await kernel.run({
          weight,
          x: { buffer: x, size: matmulInputBytes('f16', m, k) },
          y,
          m,
          k,
          bias,
          variant,
          xFormat: 'f16',
        });
        const actual = await readF32(device, y, m * n);
        const { error, index } = relativeMaxError(actual, expected);
        const where = `${variant} ${formatName(format)} ${granularityName(granularity)} m=${m} k=${k} n=${n} bias=${withBias} seed ${seed}`;
        expect(error, `${where}: Y[${index}] = ${actual[index]}, reference ${expected[index]}`).toBeLessThanOrEqual(
          TOLERANCE,
        );
        for (const buffer of [x, y, bias]) buffer?.destroy();
        weight.destroy();
      }
    }
  });

  it('rejects an X buffer that does not match the f16 layout', async () => {
    const device = await testDevice();
    kernel ??= new QuantMatmulKernel(device);
    const [m, k, n] = [3, 45, 8];
    const packed = quantizeWeight(
      randomWeights(makeRng(seed), n, k),
      n,
      k,
      { kind: 'int', bits: 4, symmetric: true },
      { kind: 'group', size: 32 },
    );
    const weight = GpuPackedWeight.upload(device, packed, 'test.qmatmulF16.weight');
    const needed = matmulInputBytes('f16', m, k); // 3 rows of 23 words = 276 bytes, not m * k * 2 = 270
    expect(needed).toBe(276);
    const x = uploadF32(device, new Float32Array(needed / 4), 'test.qmatmulF16.x');
    const y = outputF32(device, m * n, 'test.qmatmulF16.y');
    const encoder = device.createCommandEncoder({ label: 'test.qmatmulF16.encoder' });
    // Unpadded rows (m * k halves) are too short.
    const short = () =>
      kernel!.encode(encoder, { weight, x: { buffer: x, size: m * k * 2 + 2 }, y, m, k, xFormat: 'f16' });
    expect(short).toThrow(KernelInputError);
    expect(short).toThrow(
      /x has 272 bytes but f16 X \[3, 45\] \(rows padded to 46 halves\) needs 276; allocate at least 276 bytes/,
    );
    // The same buffer is too short as f32, and fine as f16.
    expect(() => kernel!.encode(encoder, { weight, x, y, m, k })).toThrow(/f32 X \[3, 45\] needs 540/);
    expect(() => kernel!.encode(encoder, { weight, x, y, m, k, xFormat: 'f16' })).not.toThrow();
    expect(() => kernel!.encode(encoder, { weight, x, y, m, k, xFormat: 'bf16' as never })).toThrow(
      /xFormat must be 'f32' or 'f16'/,
    );
    encoder.finish();
    for (const buffer of [x, y]) buffer.destroy();
    weight.destroy();
  });
});
