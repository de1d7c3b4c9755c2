/**
 * LowRankAddKernel (shaders/low_rank_add.wgsl) on fresh random inputs (the seed is printed; KERNEL_TEST_SEED replays
 * it): y += t up^T with f16 up, against the f64 sum (rounded once) within (rank + 1) 2^-24 (sum_j |t_j up_j| + |y|)
 * per element (the worst-case growth of f32 rounding over rank + 1 additions), and against lowRankUpAddF32 (the
 * shader's order in f32) within 2 ulp of that scale (the GPU may contract a * b + c into an fma). Then the whole
 * branch as GpuLinear runs it: MatmulF32Kernel (f16 down) into a scratch + LowRankAddKernel, against
 * addLowRankBranch (f64) with the same bound over K + rank terms. Bad arguments throw KernelInputError.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { KernelInputError, LowRankAddKernel, MatmulF32Kernel } from '../../src/kernels';
import { f32ToF16Bits, roundToF16 } from '../../src/quant/f16';
import { addLowRankBranch, lowRankUpAddF32 } from '../../src/quant/lowRank';
import { testDevice } from './device';
import {
  STORAGE_IO,
  freshSeed,
  makeRng,
  outputF32,
  randomActivations,
  readF32,
  uploadF32,
} from './helpers/kernelTestKit';

const seed = freshSeed();
const rng = makeRng(seed);
let kernel: LowRankAddKernel | undefined;
let matmul: MatmulF32Kernel | undefined;
afterAll(() => (kernel?.destroy(), matmul?.destroy()));

function uploadHalves(device: GPUDevice, values: Float32Array, label: string): GPUBuffer {
  const buffer = device.createBuffer({
    label,
    size: Math.max(16, Math.ceil(values.length / 2) * 4),
    usage: STORAGE_IO,
    mappedAtCreation: true,
  });
  new Uint16Array(buffer.getMappedRange()).set(Uint16Array.from(values, (v) => f32ToF16Bits(v)));
  buffer.unmap();
  return buffer;
}

const f16Values = (length: number, magnitude: number) =>
  Float32Array.from(randomActivations(rng, length, magnitude), (v) => roundToF16(v));

// Odd n * rank (the last word half-used), rank 1, a tall m, rank 64.
const SHAPES: Array<[m: number, n: number, rank: number]> = [
  [1, 7, 3],
  [5, 64, 8],
  [33, 96, 1],
  [60, 192, 16],
  [4, 257, 64],
];

describe(`LowRankAddKernel (seed ${seed})`, () => {
  for (const [m, n, rank] of SHAPES) {
    it(`y[${m}, ${n}] += t up^T, rank ${rank}: within the f32 rounding bound of the f64 sum`, async () => {
      const device = await testDevice();
      kernel ??= new LowRankAddKernel(device);
      const t = randomActivations(rng, m * rank, 2);
      const up = f16Values(n * rank, 0.5);
      const y0 = randomActivations(rng, m * n, 1);
      const tb = uploadF32(device, t, 'test.lowRank.t');
      const ub = uploadHalves(device, up, 'test.lowRank.up');
      const yb = uploadF32(device, y0, 'test.lowRank.y');
      await kernel.run({ t: tb, up: ub, y: yb, m, n, rank });
      const y = await readF32(device, yb, m * n);
      for (const b of [tb, ub, yb]) b.destroy();
      const emulated = lowRankUpAddF32(y0, t, up, m, n, rank);
      let worst = 0;
      for (let r = 0; r < m; r++)
        for (let c = 0; c < n; c++) {
          let exact = y0[r * n + c];
          let scale = Math.abs(exact);
          for (let j = 0; j < rank; j++) {
            exact += t[r * rank + j] * up[c * rank + j];
            scale += Math.abs(t[r * rank + j] * up[c * rank + j]);
          }
          const i = r * n + c;
          const bound = (rank + 1) * 2 ** -24 * scale + 1e-30;
          expect(Math.abs(y[i] - exact), `element (${r}, ${c})`).toBeLessThanOrEqual(bound);
          expect(Math.abs(y[i] - emulated[i])).toBeLessThanOrEqual(2 * 2 ** -24 * scale * rank + 1e-30);
          worst = Math.max(worst, Math.abs(y[i] - exact) / bound);
        }
      console.log(`LowRankAddKernel ${m}x${n} rank ${rank}: worst error ${worst.toFixed(3)} of the bound`);
    });
  }

  it('the whole branch (MatmulF32Kernel f16 down into scratch, then the add) against addLowRankBranch', async () => {
    const device = await testDevice();
    kernel ??= new LowRankAddKernel(device);
    matmul ??= new MatmulF32Kernel(device);
    const [m, n, k, rank] = [30, 192, 64, 8];
    const x = randomActivations(rng, m * k, 1);
    const down = f16Values(rank * k, 0.2);
    const up = f16Values(n * rank, 0.5);
    const y0 = randomActivations(rng, m * n, 1);
    const xb = uploadF32(device, x, 'test.branch.x');
    const db = uploadHalves(device, down, 'test.branch.down');
    const ub = uploadHalves(device, up, 'test.branch.up');
    const scratch = outputF32(device, m * k, 'test.branch.scratch');
    const yb = uploadF32(device, y0, 'test.branch.y');
    const encoder = device.createCommandEncoder();
    matmul.encode(encoder, { w: db, wFormat: 'f16', n: rank, k, x: xb, y: scratch, m });
    kernel.encode(encoder, { t: scratch, up: ub, y: yb, m, n, rank });
    device.queue.submit([encoder.finish()]);
    const y = await readF32(device, yb, m * n);
    for (const b of [xb, db, ub, scratch, yb]) b.destroy();
    const ref = addLowRankBranch(y0, x, m, n, k, { rank, up, down });
    let scalePeak = 0;
    for (let r = 0; r < m; r++)
      for (let c = 0; c < n; c++) {
        let scale = Math.abs(y0[r * n + c]);
        for (let j = 0; j < rank; j++) {
          let tAbs = 0;
          for (let q = 0; q < k; q++) tAbs += Math.abs(x[r * k + q] * down[j * k + q]);
          scale += tAbs * Math.abs(up[c * rank + j]);
        }
        scalePeak = Math.max(scalePeak, scale);
        const i = r * n + c;
        expect(Math.abs(y[i] - ref[i]), `element (${r}, ${c})`).toBeLessThanOrEqual((k + rank + 1) * 2 ** -24 * scale);
      }
    expect(scalePeak).toBeGreaterThan(0);
  });

  it('refuses short buffers, a zero rank and y aliasing t', async () => {
    const device = await testDevice();
    kernel ??= new LowRankAddKernel(device);
    const small = outputF32(device, 8, 'test.lowRank.small');
    const big = outputF32(device, 64, 'test.lowRank.big');
    const encoder = device.createCommandEncoder();
    expect(() => kernel!.encode(encoder, { t: small, up: big, y: big, m: 4, n: 4, rank: 4 })).toThrow(KernelInputError);
    expect(() => kernel!.encode(encoder, { t: big, up: big, y: small, m: 4, n: 4, rank: 0 })).toThrow(/rank/);
    expect(() => kernel!.encode(encoder, { t: big, up: small, y: big, m: 2, n: 2, rank: 2 })).toThrow(
      /shares its buffer/,
    );
    small.destroy();
    big.destroy();
  });
});
