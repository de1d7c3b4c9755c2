/**
 * Shared pieces of the kernel tests: a seeded PRNG (the seed is printed in every failure message), random weight
 * and activation generators that are never all-zero, f32 buffer upload/readback, and the lists of formats and
 * granularities every kernel is checked against.
 */
import { readBuffer } from '../device';

/** mulberry32: small, fast, deterministic. */
export function makeRng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A fresh seed per run (override with KERNEL_TEST_SEED to replay a failure). */
export function freshSeed(): number {
  const fixed = process.env.KERNEL_TEST_SEED;
  return fixed ? Number(fixed) : Math.floor(Math.random() * 2 ** 31);
}

export function gaussian(rng: () => number): number {
  const u = Math.max(rng(), 1e-12);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng());
}

/**
 * Weight-like values: Gaussian with per-row spread, a few outliers (so scales differ across groups), and an
 * optional overall magnitude (tiny magnitudes push f16 scales into the subnormal range).
 */
export function randomWeights(rng: () => number, rows: number, cols: number, magnitude = 0.05): Float32Array {
  const w = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    const rowScale = magnitude * (0.5 + rng());
    for (let k = 0; k < cols; k++) {
      const outlier = rng() < 0.01 ? 6 : 1;
      w[r * cols + k] = gaussian(rng) * rowScale * outlier;
    }
  }
  return w;
}

export function randomActivations(rng: () => number, length: number, magnitude = 1): Float32Array {
  const x = new Float32Array(length);
  for (let i = 0; i < length; i++) x[i] = gaussian(rng) * magnitude * (rng() < 0.02 ? 8 : 1);
  return x;
}

export { ALL_WEIGHT_FORMATS, ALL_GRANULARITIES } from '../../../src/quant/formats';

export const STORAGE_IO = GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST;

export function uploadF32(device: GPUDevice, data: Float32Array, label: string, usage = STORAGE_IO): GPUBuffer {
  const buffer = device.createBuffer({
    label,
    size: Math.max(16, Math.ceil(data.byteLength / 4) * 4),
    usage,
    mappedAtCreation: true,
  });
  new Float32Array(buffer.getMappedRange(), 0, data.length).set(data);
  buffer.unmap();
  return buffer;
}

/** An output buffer pre-filled with NaN, so an element the kernel fails to write cannot pass for a result. */
export function outputF32(device: GPUDevice, length: number, label: string): GPUBuffer {
  return uploadF32(device, new Float32Array(length).fill(NaN), label);
}

export async function readF32(
  device: GPUDevice,
  buffer: GPUBuffer,
  length: number,
  byteOffset = 0,
): Promise<Float32Array> {
  const bytes = await readBuffer(device, buffer, byteOffset + length * 4);
  return new Float32Array(bytes, byteOffset, length);
}

/** max |a - b| relative to max |b|, and where it happened; NaN anywhere counts as infinitely wrong. */
export function relativeMaxError(actual: Float32Array, expected: Float32Array): { error: number; index: number } {
  let maxAbs = 0;
  for (const v of expected) maxAbs = Math.max(maxAbs, Math.abs(v));
  let error = 0;
  let index = -1;
  for (let i = 0; i < expected.length; i++) {
    const diff = Math.abs(actual[i] - expected[i]);
    const e = Number.isNaN(diff) ? Infinity : diff / (maxAbs || 1);
    if (e > error) {
      error = e;
      index = i;
    }
  }
  return { error, index };
}
