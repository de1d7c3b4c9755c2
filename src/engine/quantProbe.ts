/**
 * The format explorer's probe: quantise a seeded random weight matrix (Gaussian with a few outlier input
 * channels, as trained transformer weights have), pack it, multiply it on the GPU with the fused kernel, and
 * compare against the TypeScript reference (kernel correctness) and against full precision (quantisation cost).
 */
import type { GpuContext } from '../gpu/gpuContext';
import type { QuantProbeParams, QuantProbeResult } from './quantProbeTypes';
import type { RunContext } from './runContext';
import { effectiveBitsPerWeight, matmulReference, dequantizeWeight, quantizeWeight, packedByteLength } from '../quant';
import { groupDequantGrid, histogram, relRmse } from './analysis/weightGrid';
import { Rng } from '../util/random';
import { runQuantMatmul } from './gpuMatmul';

export const PROBE_LIMITS = { maxRows: 4096, maxCols: 4096, maxTokens: 256 } as const;

export class ProbeInputError extends Error {
  readonly code = 'invalid-settings';
  readonly fix = `Choose rows and cols between 1 and ${PROBE_LIMITS.maxCols}, and 1 to ${PROBE_LIMITS.maxTokens} tokens.`;
  constructor(message: string) {
    super(message);
    this.name = 'ProbeInputError';
  }
}

export async function quantProbe(gpu: GpuContext, p: QuantProbeParams, run: RunContext): Promise<QuantProbeResult> {
  validate(p);
  const rng = new Rng(p.seed);
  run.progress(0.1, 'Generating weights');
  const w = probeWeights(rng, p.rows, p.cols);
  const x = rng.normals(p.tokens * p.cols);
  run.checkpoint();

  run.progress(0.3, 'Quantising and packing');
  const packed = quantizeWeight(w, p.rows, p.cols, p.format, p.granularity);
  const wq = dequantizeWeight(packed);
  run.checkpoint();

  run.progress(0.5, 'Running the fused kernel');
  const { y: yGpu, gpuMs } = await runQuantMatmul(gpu.device, packed, x, p.tokens);
  run.checkpoint();

  run.progress(0.8, 'Comparing with the references');
  const yRef = matmulReference(x, p.tokens, p.cols, wq, p.rows);
  const yFull = matmulReference(x, p.tokens, p.cols, w, p.rows);
  return {
    bitsPerWeight: effectiveBitsPerWeight(p.format, p.granularity, p.rows, p.cols),
    packedBytes: packedByteLength(packed),
    f32Bytes: w.byteLength,
    weightRelRmse: relRmse(wq, w),
    kernelMaxRelError: maxAbsDiff(yGpu, yRef) / maxAbs(yRef),
    outputRelRmse: relRmse(yRef, yFull),
    gpuMs,
    ...firstGroupView(w, packed),
  };
}

function validate(p: QuantProbeParams): void {
  const ok = (v: number, max: number) => Number.isInteger(v) && v >= 1 && v <= max;
  if (!ok(p.rows, PROBE_LIMITS.maxRows) || !ok(p.cols, PROBE_LIMITS.maxCols) || !ok(p.tokens, PROBE_LIMITS.maxTokens)) {
    throw new ProbeInputError(`Probe shape ${p.tokens} tokens x ${p.rows}x${p.cols} is out of range.`);
  }
}

/** N(0, 1/K) weights; 1% of input channels scaled 8x, like the outlier channels of trained transformers. */
function probeWeights(rng: Rng, rows: number, cols: number): Float32Array {
  const w = rng.normals(rows * cols, 1 / Math.sqrt(cols));
  for (let c = 0; c < cols; c++) {
    if (rng.next() >= 0.01) continue;
    for (let r = 0; r < rows; r++) w[r * cols + c]! *= 8;
  }
  return w;
}

function firstGroupView(
  w: Float32Array,
  packed: ReturnType<typeof quantizeWeight>,
): Pick<QuantProbeResult, 'histogram' | 'grid'> {
  const { edges, counts } = histogram(w.subarray(0, packed.groupSize), 48);
  return { histogram: { edges, counts }, grid: groupDequantGrid(packed, 0) };
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

function maxAbs(a: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]!));
  return Math.max(m, 1e-30);
}
