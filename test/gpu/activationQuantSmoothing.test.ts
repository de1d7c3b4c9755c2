/**
 * ActivationQuantKernel with a per-channel scale (SmoothQuant's 1/s): against smoothActivations then
 * fakeQuantActivations, on fresh random activations with outlier channels. As for the plain kernel, an element
 * may differ only where x*inv/s lies within a few ulps of a rounding tie (WGSL division is 2.5 ulp); the
 * multiply by inv is correctly rounded on both sides. Also: the same pipeline key never mixes smoothed and
 * plain runs, and a scale buffer that is too short is rejected.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { fakeQuantActivations, type ActivationFormat, type ActivationScaling } from '../../src/quant';
import { smoothActivations, smoothLinear, smoothedTensorScale } from '../../src/quant/smoothQuant';
import { ActivationQuantKernel } from '../../src/kernels';
import { testDevice } from './device';
import {
  freshSeed,
  makeRng,
  outputF32,
  randomActivations,
  randomWeights,
  readF32,
  uploadF32,
} from './helpers/kernelTestKit';

type QuantFormat = Exclude<ActivationFormat, { kind: 'none' }>;
const seed = freshSeed();
let kernel: ActivationQuantKernel | undefined;
afterAll(() => kernel?.destroy());

async function run(
  x: Float32Array,
  tokens: number,
  cols: number,
  format: QuantFormat,
  scaling: ActivationScaling,
  inv?: Float32Array,
): Promise<Float32Array> {
  const device = await testDevice();
  kernel ??= new ActivationQuantKernel(device);
  const xb = uploadF32(device, x, 'test.smooth.x');
  const sb = inv ? uploadF32(device, inv, 'test.smooth.inv') : undefined;
  const y = outputF32(device, tokens * cols, 'test.smooth.y');
  await kernel.run({ x: xb, y, tokens, cols, format, scaling, channelScale: sb });
  const out = await readF32(device, y, tokens * cols);
  xb.destroy();
  sb?.destroy();
  y.destroy();
  return out;
}

function absMaxPerChannel(x: Float32Array, cols: number): Float32Array {
  const m = new Float32Array(cols);
  for (let i = 0; i < x.length; i++) m[i % cols] = Math.max(m[i % cols], Math.abs(x[i]));
  return m;
}

describe(`ActivationQuantKernel with SmoothQuant channel scales (seed ${seed})`, () => {
  const formats: QuantFormat[] = [
    { kind: 'int', bits: 8 },
    { kind: 'int', bits: 4 },
    { kind: 'fp', name: 'e4m3' },
  ];
  const shapes: [number, number][] = [
    [3, 45],
    [17, 257],
    [2, 1000],
  ];

  it('matches smoothActivations + fakeQuantActivations, per token and per tensor (at most 1 in 10,000 at ties)', async () => {
    const rng = makeRng(seed);
    let total = 0;
    let mismatches = 0;
    for (const format of formats) {
      for (const [tokens, cols] of shapes) {
        const x = randomActivations(rng, tokens * cols, 2);
        for (let j = 0; j < cols; j += 13) for (let t = 0; t < tokens; t++) x[t * cols + j] *= 40; // outlier channels
        const { inputScale } = smoothLinear(randomWeights(rng, 8, cols), 8, cols, absMaxPerChannel(x, cols), 0.5);
        const smoothed = smoothActivations(x, tokens, cols, inputScale);
        const tensorScale = smoothedTensorScale(absMaxPerChannel(x, cols), inputScale, format);
        for (const scaling of [{ kind: 'token' }, { kind: 'tensor', scale: tensorScale }] as ActivationScaling[]) {
          const expected = fakeQuantActivations(smoothed, tokens, cols, format, scaling);
          const actual = await run(x, tokens, cols, format, scaling, inputScale);
          let differ = 0;
          for (let i = 0; i < expected.length; i++) {
            if (actual[i] === expected[i]) continue;
            differ++;
            // A tie flip moves to the neighbouring grid value: at most one quantisation step away.
            const step = scaling.kind === 'tensor' ? scaling.scale : Math.abs(expected[i]) / 2 + 1e-30;
            expect(Math.abs(actual[i] - expected[i]), `element ${i}`).toBeLessThanOrEqual(
              format.kind === 'int' ? step * 1.0001 : Math.abs(expected[i]) * 0.25 + step,
            );
          }
          total += expected.length;
          mismatches += differ;
        }
      }
    }
    expect(mismatches, `${mismatches} of ${total} differ`).toBeLessThanOrEqual(total / 10_000);
  });

  it('a smoothed run and a plain run of one shape do not share a pipeline (the plain result is unchanged)', async () => {
    const rng = makeRng(seed + 1);
    const [tokens, cols] = [4, 64];
    const x = randomActivations(rng, tokens * cols);
    const inv = new Float32Array(cols).map(() => 0.25 + rng());
    const format = { kind: 'int', bits: 8 } as const;
    const plain = await run(x, tokens, cols, format, { kind: 'token' });
    const smooth = await run(x, tokens, cols, format, { kind: 'token' }, inv);
    expect(plain).toEqual(fakeQuantActivations(x, tokens, cols, format, { kind: 'token' }));
    expect(smooth).not.toEqual(plain);
    expect(await run(x, tokens, cols, format, { kind: 'token' })).toEqual(plain);
  });

  it('rejects a channel scale buffer shorter than cols', async () => {
    const device = await testDevice();
    kernel ??= new ActivationQuantKernel(device);
    const xb = uploadF32(device, new Float32Array(2 * 32).fill(1), 'test.smooth.short.x');
    const sb = uploadF32(device, new Float32Array(16).fill(1), 'test.smooth.short.inv');
    const y = outputF32(device, 64, 'test.smooth.short.y');
    expect(() =>
      kernel!.encode(device.createCommandEncoder(), {
        x: xb,
        y,
        tokens: 2,
        cols: 32,
        format: { kind: 'int', bits: 8 },
        scaling: { kind: 'token' },
        channelScale: sb,
      }),
    ).toThrow(/channelScale has 64 bytes/);
    xb.destroy();
    sb.destroy();
    y.destroy();
  });
});
