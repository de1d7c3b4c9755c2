/**
 * Everything the cases of one K = N size share: a seeded weight-like matrix, the activations of the GEMV (m = 1)
 * and GEMM (m = gemmM) cases, their GPU buffers, and the check against matmulReference.
 *
 * The check covers every output of GEMV but only a few rows of GEMM: the f64 JS reference of all 64 rows at
 * K = N = 4096 would take longer than timing the case. Each row of a matmul is computed independently of the
 * others, and the rows picked (first, second, middle, last) cover the first, an inner and the last row tile.
 */
import { matmulReference } from '../quant';
import { Rng } from '../util/random';
import type { Variant } from './benchConfig';
import { createStorage, readF32, uploadF32 } from './gpuBuffers';
import { maxRelativeError } from './stats';

export class SizeFixture {
  readonly size: number;
  readonly gemmM: number;
  /** Row-major [N, K] f32, std 1/sqrt(K) like an initialised Linear layer. */
  readonly w: Float32Array;
  private readonly x: Record<Variant, Float32Array>;
  readonly wBuffer: GPUBuffer;
  readonly xBuffer: Record<Variant, GPUBuffer>;
  readonly yBuffer: Record<Variant, GPUBuffer>;
  private readonly device: GPUDevice;

  constructor(device: GPUDevice, size: number, gemmM: number, seed: number) {
    this.device = device;
    this.size = size;
    this.gemmM = gemmM;
    const rng = new Rng(seed + size);
    this.w = rng.normals(size * size, 1 / Math.sqrt(size));
    const xGemm = rng.normals(gemmM * size);
    this.x = { gemv: xGemm.slice(0, size), gemm: xGemm };
    const label = `SizeFixture[${size}]`;
    this.wBuffer = uploadF32(device, `${label}.wBuffer`, this.w);
    this.xBuffer = { gemv: uploadF32(device, `${label}.xGemv`, this.x.gemv), gemm: uploadF32(device, `${label}.xGemm`, xGemm) };
    this.yBuffer = {
      gemv: createStorage(device, `${label}.yGemv`, size * 4),
      gemm: createStorage(device, `${label}.yGemm`, gemmM * size * 4),
    };
  }

  m(variant: Variant): number {
    return variant === 'gemv' ? 1 : this.gemmM;
  }

  /** Rows of Y compared with the reference. */
  checkRows(variant: Variant): number[] {
    const m = this.m(variant);
    return [...new Set([0, 1, m >> 1, m - 1].filter((r) => r < m))];
  }

  /** Reference Y on the checked rows, for weights `w` ([N, K] f32: the f32 matrix or a dequantised one). */
  reference(variant: Variant, w: Float32Array): Float32Array {
    const k = this.size;
    const rows = this.checkRows(variant);
    const x = new Float32Array(rows.length * k);
    rows.forEach((r, i) => x.set(this.x[variant].subarray(r * k, (r + 1) * k), i * k));
    return matmulReference(x, rows.length, k, w, this.size);
  }

  /** Compares the checked rows of `y` (all m rows, as the GPU wrote them) with `expected`. */
  compare(variant: Variant, y: Float32Array, expected: Float32Array): number {
    const n = this.size;
    const rows = this.checkRows(variant);
    const actual = new Float32Array(rows.length * n);
    rows.forEach((r, i) => actual.set(y.subarray(r * n, (r + 1) * n), i * n));
    return maxRelativeError(actual, expected);
  }

  /** Reads this fixture's output buffer for `variant`. */
  readOutput(variant: Variant): Promise<Float32Array> {
    return readF32(this.device, this.yBuffer[variant], this.m(variant) * this.size, `SizeFixture[${this.size}].readback`);
  }

  /** Fills the output with NaN so that a kernel that writes nothing cannot pass the check with stale data. */
  poisonOutput(variant: Variant): void {
    const count = this.m(variant) * this.size;
    this.device.queue.writeBuffer(this.yBuffer[variant], 0, new Float32Array(count).fill(Number.NaN));
  }

  destroy(): void {
    this.wBuffer.destroy();
    for (const b of [...Object.values(this.xBuffer), ...Object.values(this.yBuffer)]) b.destroy();
  }
}
