/**
 * Everything the cases of one K = N size share: a seeded weight-like matrix, the activations of the GEMV (m = 1)
 * and GEMM (m = gemmM) cases, their GPU buffers, and the check against matmulReference.
 *
 * The check covers a sample of Y, not all of it: the f64 JS reference of all 64 x 4096 outputs (and the
 * dequantisation of all 16M weights it needs) would take longer than timing the case. Every output of a matmul
 * is computed independently, so the sample is chosen to touch every kind of position: rows 0, 1, m/2 and m-1
 * (first, inner and last row tile), and up to MAX_CHECKED_COLUMNS columns spread over all of N with varying
 * offsets inside each stride (all columns when N is at most that).
 */
import { matmulReference } from '../../../src/quant';
import { Rng } from '../../../src/util/random';
import type { Variant } from './benchConfig';
import { createStorage, readF32, uploadWords } from '../../../src/gpu/buffers';
import { maxRelativeError } from './stats';

const MAX_CHECKED_COLUMNS = 512;

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
    this.wBuffer = uploadWords(device, `${label}.wBuffer`, this.w);
    this.xBuffer = {
      gemv: uploadWords(device, `${label}.xGemv`, this.x.gemv),
      gemm: uploadWords(device, `${label}.xGemm`, xGemm),
    };
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

  /** Columns of Y (= rows of W) compared with the reference, ascending. */
  checkColumns(): number[] {
    const n = this.size;
    if (n <= MAX_CHECKED_COLUMNS) return Array.from({ length: n }, (_, i) => i);
    const stride = n / MAX_CHECKED_COLUMNS;
    const columns = Array.from({ length: MAX_CHECKED_COLUMNS }, (_, i) => i * stride + (i % stride));
    columns[columns.length - 1] = n - 1;
    return columns;
  }

  /** The f32 weight rows of the checked columns, [checkColumns().length, K]. */
  checkedF32Rows(): Float32Array {
    const k = this.size;
    const columns = this.checkColumns();
    const out = new Float32Array(columns.length * k);
    columns.forEach((c, i) => out.set(this.w.subarray(c * k, (c + 1) * k), i * k));
    return out;
  }

  /** Reference Y on the checked rows and columns; `wRows` holds the weight rows of checkColumns(), [cols, K]. */
  reference(variant: Variant, wRows: Float32Array): Float32Array {
    const k = this.size;
    const rows = this.checkRows(variant);
    const x = new Float32Array(rows.length * k);
    rows.forEach((r, i) => x.set(this.x[variant].subarray(r * k, (r + 1) * k), i * k));
    return matmulReference(x, rows.length, k, wRows, this.checkColumns().length);
  }

  /** Compares the checked entries of `y` (all of Y [m, N], as the GPU wrote it) with `expected`. */
  compare(variant: Variant, y: Float32Array, expected: Float32Array): number {
    const n = this.size;
    const rows = this.checkRows(variant);
    const columns = this.checkColumns();
    const actual = new Float32Array(rows.length * columns.length);
    rows.forEach((r, i) => columns.forEach((c, j) => (actual[i * columns.length + j] = y[r * n + c])));
    return maxRelativeError(actual, expected);
  }

  /** Outputs compared per check, for the JSON. */
  checkedOutputs(variant: Variant): number {
    return this.checkRows(variant).length * this.checkColumns().length;
  }

  /** Reads this fixture's output buffer for `variant`. */
  readOutput(variant: Variant): Promise<Float32Array> {
    return readF32(this.device, this.yBuffer[variant], 0, this.m(variant) * this.size);
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
