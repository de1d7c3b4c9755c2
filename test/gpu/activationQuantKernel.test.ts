import { afterAll, describe, expect, it } from 'vitest';
import {
  activationQmax,
  calibrateActivationScale,
  fakeQuantActivations,
  type ActivationFormat,
  type ActivationScaling,
} from '../../src/quant';
import { ActivationQuantKernel, type ActivationQuantVariant } from '../../src/kernels';
import { testDevice } from './device';
import { freshSeed, makeRng, outputF32, randomActivations, readF32, uploadF32 } from './helpers/kernelTestKit';

type QuantFormat = Exclude<ActivationFormat, { kind: 'none' }>;

const seed = freshSeed();
let kernel: ActivationQuantKernel | undefined;
afterAll(() => kernel?.destroy());

const FORMATS: QuantFormat[] = [
  ...([2, 3, 4, 5, 6, 7, 8] as const).map((bits) => ({ kind: 'int', bits }) as const),
  { kind: 'fp', name: 'e4m3' },
  { kind: 'fp', name: 'e5m2' },
];

function describeFormat(format: QuantFormat): string {
  return format.kind === 'int' ? `int${format.bits}` : format.name;
}

/**
 * Elements where the GPU and the reference differ. WGSL f32 division may be off by an ulp (2.5 ulp allowed), which
 * moves x / s across a rounding boundary only when x / s is within an ulp or two of a tie: such an element then
 * lands on the neighbouring grid value. Everything else must match exactly.
 */
async function runAndCompare(
  x: Float32Array,
  tokens: number,
  cols: number,
  format: QuantFormat,
  scaling: ActivationScaling,
  variant: ActivationQuantVariant = 'auto',
): Promise<{ mismatches: number; worst: string }> {
  const device = await testDevice();
  kernel ??= new ActivationQuantKernel(device);
  const expected = fakeQuantActivations(x, tokens, cols, format, scaling);
  const xBuffer = uploadF32(device, x, 'test.actQuant.x');
  const y = outputF32(device, tokens * cols, 'test.actQuant.y');
  await kernel.run({ x: xBuffer, y, tokens, cols, format, scaling, variant });
  const actual = await readF32(device, y, tokens * cols);
  xBuffer.destroy();
  y.destroy();
  let mismatches = 0;
  let worst = '';
  for (let i = 0; i < expected.length; i++) {
    if (actual[i] === expected[i]) continue; // +0 and -0 are equal here
    mismatches++;
    const token = Math.floor(i / cols);
    let scale = scaling.kind === 'tensor' ? Math.fround(scaling.scale) : 0;
    if (scaling.kind === 'token') {
      let absmax = 0;
      for (let k = 0; k < cols; k++) absmax = Math.max(absmax, Math.abs(x[token * cols + k]));
      scale = Math.fround(absmax / activationQmax(format));
    }
    const quotient = x[i] / scale;
    // Distance of the exact quotient from the nearest rounding tie, in units of its f32 ulp.
    const tieDistanceUlps = distanceToTie(quotient, format) / ulpOf(quotient);
    if (tieDistanceUlps > 4)
      worst = `element ${i}: GPU ${actual[i]}, reference ${expected[i]}, x/s = ${quotient} is ${tieDistanceUlps.toFixed(1)} ulp from a tie`;
  }
  return { mismatches, worst };
}

function ulpOf(v: number): number {
  const a = Math.max(Math.abs(v), 2 ** -126);
  return 2 ** (Math.floor(Math.log2(a)) - 23);
}

/** |v - nearest midpoint between two neighbouring grid values| on the format's grid (before saturation). */
function distanceToTie(v: number, format: QuantFormat): number {
  const a = Math.abs(v);
  if (format.kind === 'int') return Math.abs(a - (Math.floor(a) + 0.5));
  const spec = format.name === 'e4m3' ? { man: 3, bias: 7 } : { man: 2, bias: 15 };
  const e = Math.max(Math.floor(Math.log2(a || 1e-30)), 1 - spec.bias);
  const quantum = 2 ** (e - spec.man);
  return Math.abs(a / quantum - (Math.floor(a / quantum) + 0.5)) * quantum;
}

describe(`ActivationQuantKernel against fakeQuantActivations (seed ${seed})`, () => {
  // cols above and below the 256-invocation workgroup and not multiples of it; tokens 1, 3, 17.
  const shapes: Array<[tokens: number, cols: number]> = [
    [1, 1000],
    [3, 45],
    [17, 257],
  ];

  // Both variants: 'workgroup' (GPUs) and the barrier-free 'rows' (CPU adapters; CHUNK 64 columns per invocation).
  for (const variant of ['workgroup', 'rows'] as const) {
    it(`${variant}: every format, per token and per tensor: exact except at ties`, async () => {
      const rng = makeRng(seed);
      let total = 0;
      let mismatches = 0;
      for (const format of FORMATS) {
        for (const [tokens, cols] of shapes) {
          const x = randomActivations(rng, tokens * cols, 3);
          // Per-tensor scale calibrated on a 70% smaller range, so that some values saturate.
          const tensorScale = calibrateActivationScale([x], format) * 0.7;
          for (const scaling of [{ kind: 'token' }, { kind: 'tensor', scale: tensorScale }] as ActivationScaling[]) {
            const result = await runAndCompare(x, tokens, cols, format, scaling, variant);
            const where = `${variant} ${describeFormat(format)} ${scaling.kind} ${tokens}x${cols} seed ${seed}`;
            expect(result.worst, `${where}: a mismatch that is not at a rounding tie`).toBe('');
            total += x.length;
            mismatches += result.mismatches;
          }
        }
      }
      // Ties within a few ulps are rare on random data: allow at most 1 in 10,000 elements.
      expect(mismatches, `${mismatches} of ${total} elements differ (seed ${seed})`).toBeLessThanOrEqual(
        total / 10_000,
      );
    });
  }

  it('exact ties round half to even (power-of-two scale, so x / s is exact)', async () => {
    const rng = makeRng(seed + 1);
    const cols = 300;
    for (const format of FORMATS) {
      const scale = 2 ** -3;
      const x = new Float32Array(cols);
      for (let i = 0; i < cols; i++) {
        // Half-integers for INT; midpoints between neighbouring grid values for FP.
        const magnitude = format.kind === 'int' ? Math.floor(rng() * 6) + 0.5 : fpMidpoint(format, rng);
        x[i] = (rng() < 0.5 ? -1 : 1) * magnitude * scale;
      }
      const result = await runAndCompare(x, 1, cols, format, { kind: 'tensor', scale });
      expect(
        result.mismatches,
        `${describeFormat(format)} ties seed ${seed + 1}: ${result.mismatches} of ${cols} differ`,
      ).toBe(0);
    }
  });

  // (The > 65535-token 2D grid shares grid2d() with DequantKernel, whose test covers it: 70,000 one-token
  // workgroups take about 25 s on SwiftShader.)
  it('a zero row gives zeros and leaves the other rows alone', async () => {
    const rng = makeRng(seed + 2);
    const [tokens, cols] = [9, 600];
    const x = randomActivations(rng, tokens * cols);
    x.fill(0, 5 * cols, 6 * cols);
    for (const format of [
      { kind: 'int', bits: 8 },
      { kind: 'fp', name: 'e4m3' },
    ] as QuantFormat[]) {
      const result = await runAndCompare(x, tokens, cols, format, { kind: 'token' });
      expect(result.worst, `${describeFormat(format)} token ${tokens}x${cols} seed ${seed + 2}`).toBe('');
      expect(result.mismatches).toBeLessThanOrEqual(1);
    }
  });
});

/** A random midpoint between two neighbouring positive FP8 grid values (below max finite). */
function fpMidpoint(format: Extract<QuantFormat, { kind: 'fp' }>, rng: () => number): number {
  const spec = format.name === 'e4m3' ? { man: 3, bias: 7 } : { man: 2, bias: 15 };
  const e = 1 - spec.bias + Math.floor(rng() * 6);
  const quantum = 2 ** (e - spec.man);
  const steps = 2 ** spec.man + Math.floor(rng() * 2 ** spec.man);
  return (steps + 0.5) * quantum;
}
