/**
 * HadamardKernel (shaders/hadamard_act_quant.wgsl) against src/quant/hadamard.ts on fresh random inputs with
 * outlier channels (the seed is printed; KERNEL_TEST_SEED replays it).
 *
 * Rotation only (format 'none'): bit for bit equal to rotateRows' 'f32' emulation of the kernel's arithmetic; and
 * against the f64 reference (rounded once) within tolerance per element (log2(b) + 2) * 2^-24 * sum_block |x| / sqrt(b), the worst-case growth of
 * f32 rounding over log2(b) stages of additions of terms whose magnitudes sum to at most sum_block |x|.
 * Fused rotation + quantiser: the GPU's quantised output must be exactly fakeQuantActivations of its own rotated
 * values, except where x/s sits within a few ulp of a rounding tie (WGSL division is not correctly rounded); and
 * against the f64 reference all but 0.5% of elements get the same code, none more than one quantisation step away.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { fakeQuantActivations, type ActivationFormat, type ActivationScaling } from '../../src/quant';
import { HADAMARD_SEED, hadamardBlockSize, rotateRows } from '../../src/quant/hadamard';
import { HadamardKernel, KernelInputError } from '../../src/kernels';
import { testDevice } from './device';
import { freshSeed, makeRng, outputF32, randomActivations, readF32, uploadF32 } from './helpers/kernelTestKit';

const seed = freshSeed();
let kernel: HadamardKernel | undefined;
afterAll(() => kernel?.destroy());

/** Activations with a few outlier channels (x30), the case the rotation is for. */
function activations(rng: () => number, tokens: number, cols: number): Float32Array {
  const x = randomActivations(rng, tokens * cols, 1);
  const outliers = [Math.floor(rng() * cols), Math.floor(rng() * cols)];
  for (let t = 0; t < tokens; t++) for (const c of outliers) x[t * cols + c] *= 30;
  return x;
}

async function runKernel(
  x: Float32Array,
  tokens: number,
  cols: number,
  format: ActivationFormat,
  scaling: ActivationScaling = { kind: 'token' },
): Promise<Float32Array> {
  const device = await testDevice();
  kernel ??= new HadamardKernel(device);
  const xb = uploadF32(device, x, 'test.hadamard.x');
  const yb = outputF32(device, tokens * cols, 'test.hadamard.y');
  await kernel.run({ x: xb, y: yb, tokens, cols, format, scaling });
  const y = await readF32(device, yb, tokens * cols);
  xb.destroy();
  yb.destroy();
  return y;
}

// K: powers of two (one block), block-diagonal (192 -> 64, 96 -> 32, 1536 -> 512), odd (7 -> signs only).
const SHAPES: Array<[tokens: number, cols: number]> = [
  [1, 64],
  [3, 192],
  [17, 96],
  [2, 7],
  [5, 1536],
  [4, 1024],
];

describe(`HadamardKernel against rotateRows (seed ${seed})`, () => {
  it('rotation only: every element within the f32 rounding bound', async () => {
    const rng = makeRng(seed);
    let worstRelative = 0;
    for (const [tokens, cols] of SHAPES) {
      const x = activations(rng, tokens, cols);
      const expected = rotateRows(x, tokens, cols);
      const actual = await runKernel(x, tokens, cols, { kind: 'none' });
      // The kernel's own arithmetic (f32 butterfly in its order) reproduces it bit for bit.
      const f32Reference = rotateRows(x, tokens, cols, HADAMARD_SEED, 'f32');
      let bitMismatches = 0;
      for (let i = 0; i < actual.length; i++) if (actual[i] !== f32Reference[i]) bitMismatches++;
      expect(bitMismatches, `${tokens}x${cols}: elements not equal to the f32 emulation`).toBe(0);
      const b = hadamardBlockSize(cols);
      for (let t = 0; t < tokens; t++)
        for (let start = 0; start < cols; start += b) {
          let l1 = 0;
          for (let j = start; j < start + b; j++) l1 += Math.abs(x[t * cols + j]);
          const bound = ((Math.log2(b) + 2) * 2 ** -24 * l1) / Math.sqrt(b);
          for (let j = start; j < start + b; j++) {
            const i = t * cols + j;
            const error = Math.abs(actual[i] - expected[i]);
            expect(
              error,
              `${tokens}x${cols} element ${i}: GPU ${actual[i]}, reference ${expected[i]}`,
            ).toBeLessThanOrEqual(bound);
            worstRelative = Math.max(worstRelative, error / (l1 / Math.sqrt(b)));
          }
        }
    }
    console.log(
      `HadamardKernel rotation: max |GPU - reference| = ${worstRelative.toExponential(2)} x (sum_block |x| / sqrt(b))`,
    );
  });

  for (const format of [
    { kind: 'int', bits: 4 },
    { kind: 'int', bits: 8 },
    { kind: 'fp', name: 'e4m3' },
  ] as const) {
    it(`fused with the ${format.kind === 'int' ? `INT${format.bits}` : 'FP8 e4m3'} per-token quantiser`, async () => {
      const rng = makeRng(seed + 1);
      let total = 0;
      let offReference = 0;
      for (const [tokens, cols] of SHAPES) {
        const x = activations(rng, tokens, cols);
        const rotated = await runKernel(x, tokens, cols, { kind: 'none' });
        const actual = await runKernel(x, tokens, cols, format);
        // Against its own rotation: the fused quantiser is fakeQuantActivations (ties aside).
        const own = fakeQuantActivations(rotated, tokens, cols, format, { kind: 'token' });
        let tieMismatches = 0;
        for (let i = 0; i < own.length; i++) if (actual[i] !== own[i]) tieMismatches++;
        expect(tieMismatches, `${tokens}x${cols}`).toBeLessThanOrEqual(Math.max(2, own.length * 0.002));
        // Against the f64 reference: at most one quantisation step apart, rarely apart at all.
        const reference = fakeQuantActivations(rotateRows(x, tokens, cols), tokens, cols, format, { kind: 'token' });
        for (let t = 0; t < tokens; t++) {
          let absmax = 0;
          for (let j = 0; j < cols; j++) absmax = Math.max(absmax, Math.abs(reference[t * cols + j]));
          const step = format.kind === 'int' ? absmax / (2 ** (format.bits - 1) - 1) : absmax / 8;
          for (let j = 0; j < cols; j++) {
            const d = Math.abs(actual[t * cols + j] - reference[t * cols + j]);
            // The row scale may differ by an ulp (absmax of f32 vs f64 rotations), which moves every value a
            // little; a different code moves it by a step.
            if (d > step / 2) offReference++;
            expect(d).toBeLessThanOrEqual(step * 1.001);
          }
        }
        total += x.length;
      }
      expect(offReference).toBeLessThanOrEqual(Math.max(3, total * 0.005));
    });
  }

  it('per-tensor static scale: quantises with the given scale', async () => {
    const rng = makeRng(seed + 2);
    const [tokens, cols] = [3, 192];
    const x = activations(rng, tokens, cols);
    const rotated = await runKernel(x, tokens, cols, { kind: 'none' });
    const scaling = { kind: 'tensor', scale: 0.05 } as const;
    const actual = await runKernel(x, tokens, cols, { kind: 'int', bits: 8 }, scaling);
    const own = fakeQuantActivations(rotated, tokens, cols, { kind: 'int', bits: 8 }, scaling);
    let mismatches = 0;
    for (let i = 0; i < own.length; i++) if (actual[i] !== own[i]) mismatches++;
    expect(mismatches).toBeLessThanOrEqual(2);
  });

  it('refuses rows longer than workgroup memory, and in-place output', async () => {
    const device = await testDevice();
    kernel ??= new HadamardKernel(device);
    const big = kernel.maxCols() + 1;
    const xb = uploadF32(device, new Float32Array(big), 'test.hadamard.big');
    const yb = outputF32(device, big, 'test.hadamard.bigOut');
    await expect(
      kernel.run({ x: xb, y: yb, tokens: 1, cols: big, format: { kind: 'none' }, scaling: { kind: 'token' } }),
    ).rejects.toThrow(KernelInputError);
    await expect(
      kernel.run({ x: xb, y: xb, tokens: 1, cols: 64, format: { kind: 'none' }, scaling: { kind: 'token' } }),
    ).rejects.toThrow(/shares its buffer/);
    xb.destroy();
    yb.destroy();
  });
});
