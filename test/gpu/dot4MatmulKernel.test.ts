import { afterAll, describe, expect, it } from 'vitest';
import {
  dequantizeWeight,
  fakeQuantActivations,
  formatName,
  granularityName,
  matmulReference,
  quantizeWeight,
  type ActivationScaling,
} from '../../src/quant';
import {
  ActivationQuantKernel,
  DOT4_LANGUAGE_FEATURE,
  Dot4MatmulKernel,
  GpuPackedWeight,
  QuantMatmulKernel,
  quantizedInputBytes,
} from '../../src/kernels';
import type { Granularity, WeightFormat } from '../../src/quant/formats';
import { dawnGpu, testDevice } from './device';
import {
  freshSeed,
  makeRng,
  outputF32,
  randomActivations,
  randomWeights,
  readF32,
  relativeMaxError,
  uploadF32,
} from './helpers/kernelTestKit';

// The reference is fakeQuantActivations (TypeScript) then matmulReference (f64) on the dequantised weights. The
// kernel's products are exact integers; what differs is f32 rounding of the group sums and scales (a few ulps of
// max|Y|), and, very rarely, an x / s within an ulp of a rounding tie (WGSL division may be off by an ulp), which moves
// one q by 1: about s_x * |w| / max|Y| ~ 1e-3 at these sizes. The tolerance covers the first; a tie fails the case
// and prints the seed.
const TOLERANCE = 1e-4;
const seed = freshSeed();
const features = dawnGpu().wgslLanguageFeatures as ReadonlySet<string> | undefined;
const hasDot4 = features?.has(DOT4_LANGUAGE_FEATURE) ?? false;
let kernel: Dot4MatmulKernel | undefined;
afterAll(() => kernel?.destroy());

const WEIGHTS: WeightFormat[] = [
  { kind: 'int', bits: 4, symmetric: true },
  { kind: 'int', bits: 4, symmetric: false },
  { kind: 'int', bits: 8, symmetric: true },
  { kind: 'int', bits: 8, symmetric: false },
];
const GRANULARITIES: Granularity[] = [
  { kind: 'group', size: 32 },
  { kind: 'group', size: 128 },
  { kind: 'channel' },
  { kind: 'tensor' },
];

describe(`Dot4MatmulKernel (dot4I8Packed) against fakeQuantActivations + matmulReference (seed ${seed}, tolerance ${TOLERANCE} of max|Y|)`, () => {
  it('INT4/INT8 weights (symmetric and asymmetric, every granularity) x INT8/INT4 activations, per token and per tensor', async (context) => {
    if (!hasDot4) {
      console.warn(
        `skipped: ${DOT4_LANGUAGE_FEATURE} is not among this WebGPU implementation's wgslLanguageFeatures; the fallback is tested below`,
      );
      context.skip();
    }
    const device = await testDevice();
    kernel ??= new Dot4MatmulKernel(device, features);
    expect(kernel.available).toBe(true);
    const rng = makeRng(seed);
    // m: one token, fewer than the 4 per invocation, more than one tile of 4; K: one block, several, group runs.
    const shapes = [
      { m: 1, k: 256, n: 33 },
      { m: 3, k: 64, n: 70 },
      { m: 6, k: 160, n: 9 },
      { m: 9, k: 512, n: 65 },
    ];
    let i = 0;
    for (const format of WEIGHTS) {
      for (const granularity of GRANULARITIES) {
        const { m, k, n } = shapes[i % shapes.length];
        const activation = i % 3 === 2 ? ({ kind: 'int', bits: 4 } as const) : ({ kind: 'int', bits: 8 } as const);
        const xData = randomActivations(rng, m * k, 2);
        const scaling: ActivationScaling = i % 4 === 3 ? { kind: 'tensor', scale: 0.02 } : { kind: 'token' };
        const packed = quantizeWeight(randomWeights(rng, n, k), n, k, format, granularity);
        const biasData = i % 2 === 0 ? randomActivations(rng, n, 0.1) : undefined;
        const expected = matmulReference(
          fakeQuantActivations(xData, m, k, activation, scaling),
          m,
          k,
          dequantizeWeight(packed),
          n,
          biasData,
        );
        const weight = GpuPackedWeight.upload(device, packed, 'test.dot4.weight');
        const x = uploadF32(device, xData, 'test.dot4.x');
        const xq = device.createBuffer({ size: quantizedInputBytes(m, k), usage: GPUBufferUsage.STORAGE });
        const bias = biasData ? uploadF32(device, biasData, 'test.dot4.bias') : undefined;
        const y = outputF32(device, m * n, 'test.dot4.y');
        expect(kernel.supports(weight, k, activation)).toBeUndefined();
        await kernel.run({ weight, x, xq, y, m, k, bias, format: activation, scaling });
        const actual = await readF32(device, y, m * n);
        const { error, index } = relativeMaxError(actual, expected);
        const where = `${formatName(format)} ${granularityName(granularity)} A${activation.bits} ${scaling.kind} m=${m} k=${k} n=${n} seed ${seed}`;
        expect(error, `${where}: Y[${index}] = ${actual[index]}, reference ${expected[index]}`).toBeLessThanOrEqual(
          TOLERANCE,
        );
        for (const b of [x, xq, y, bias]) b?.destroy();
        weight.destroy();
        i++;
      }
    }
  });

  it('without the language feature it refuses with the reason, and the fallback (ActivationQuantKernel + QuantMatmulKernel) computes the case', async () => {
    const device = await testDevice();
    const without = new Dot4MatmulKernel(device, new Set<string>());
    expect(without.available).toBe(false);
    expect(without.why).toMatch(DOT4_LANGUAGE_FEATURE);
    const rng = makeRng(seed + 7);
    const [m, k, n] = [5, 96, 40];
    const activation = { kind: 'int', bits: 8 } as const;
    const scaling: ActivationScaling = { kind: 'token' };
    const packed = quantizeWeight(
      randomWeights(rng, n, k),
      n,
      k,
      { kind: 'int', bits: 4, symmetric: true },
      { kind: 'group', size: 32 },
    );
    const xData = randomActivations(rng, m * k, 2);
    const weight = GpuPackedWeight.upload(device, packed, 'test.dot4.fallback.weight');
    const x = uploadF32(device, xData, 'test.dot4.fallback.x');
    const scratch = outputF32(device, m * k, 'test.dot4.fallback.scratch');
    const y = outputF32(device, m * n, 'test.dot4.fallback.y');
    expect(without.supports(weight, k, activation)).toMatch(DOT4_LANGUAGE_FEATURE);
    expect(() =>
      without.encode(device.createCommandEncoder(), { weight, x, xq: scratch, y, m, k, format: activation, scaling }),
    ).toThrow(/fallback/);
    // Unsupported cases of an available kernel say why, too.
    if (hasDot4) {
      const withFeature = new Dot4MatmulKernel(device, features);
      expect(withFeature.supports(weight, 100, activation)).toMatch(/multiple of 32/);
      expect(withFeature.supports(weight, k, { kind: 'fp', name: 'e4m3' })).toMatch(/not an INT format/);
      withFeature.destroy();
    }
    const actQuant = new ActivationQuantKernel(device);
    const matmul = new QuantMatmulKernel(device);
    const encoder = device.createCommandEncoder();
    actQuant.encode(encoder, { x, y: scratch, tokens: m, cols: k, format: activation, scaling });
    matmul.encode(encoder, { weight, x: scratch, y, m, k });
    device.queue.submit([encoder.finish()]);
    const expected = matmulReference(
      fakeQuantActivations(xData, m, k, activation, scaling),
      m,
      k,
      dequantizeWeight(packed),
      n,
    );
    const actual = await readF32(device, y, m * n);
    expect(relativeMaxError(actual, expected).error).toBeLessThanOrEqual(TOLERANCE);
    for (const b of [x, scratch, y]) b.destroy();
    weight.destroy();
    without.destroy();
    actQuant.destroy();
    matmul.destroy();
  });
});
