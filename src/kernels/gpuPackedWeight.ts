/**
 * A PackedWeight (src/quant/formats.ts layout) resident on the GPU.
 *
 *   const w = GpuPackedWeight.upload(device, packed, 'blocks.0.attn.proj');
 *   // buffers: w.codes ('blocks.0.attn.proj.codes'), w.scales, w.offsets (asymmetric INT only)
 *   w.byteLength;  // bytes of codes + scales + offsets on the GPU
 *   w.destroy();   // idempotent; kernels refuse a destroyed weight
 *
 * Shape facts (rows = N, cols = K, bits, groupSize, groupsPerRow, wordsPerRow, scaleRowStride) are copied from
 * the PackedWeight; the kernels put them in their uniforms. The CPU arrays are not retained.
 */
import { wordsPerRow as wordsPerRowFor, codeBits, hasOffset } from '../quant/formats';
import { formatName, granularityName } from '../quant/vocabulary';
import type { Granularity, PackedWeight, WeightFormat } from '../quant/formats';
import { KernelInputError } from './errors';

const OWNER = 'GpuPackedWeight';

export class GpuPackedWeight {
  readonly format: WeightFormat;
  readonly granularity: Granularity;
  readonly rows: number;
  readonly cols: number;
  readonly bits: number;
  readonly groupSize: number;
  readonly groupsPerRow: number;
  readonly wordsPerRow: number;
  /** Scale entries between consecutive rows: groupsPerRow, or 0 for a single per-tensor group. */
  readonly scaleRowStride: number;
  readonly codes: GPUBuffer;
  readonly scales: GPUBuffer;
  readonly offsets: GPUBuffer | undefined;
  readonly byteLength: number;
  readonly label: string;
  private destroyedFlag = false;

  private constructor(
    packed: PackedWeight,
    label: string,
    codes: GPUBuffer,
    scales: GPUBuffer,
    offsets: GPUBuffer | undefined,
  ) {
    this.format = packed.format;
    this.granularity = packed.granularity;
    this.rows = packed.rows;
    this.cols = packed.cols;
    this.bits = packed.bits;
    this.groupSize = packed.groupSize;
    this.groupsPerRow = packed.groupsPerRow;
    this.wordsPerRow = packed.wordsPerRow;
    this.scaleRowStride = packed.granularity.kind === 'tensor' ? 0 : packed.groupsPerRow;
    this.codes = codes;
    this.scales = scales;
    this.offsets = offsets;
    this.byteLength = codes.size + scales.size + (offsets?.size ?? 0);
    this.label = label;
  }

  static upload(device: GPUDevice, packed: PackedWeight, label: string): GpuPackedWeight {
    validatePacked(packed, label);
    const codes = uploadArray(device, `${label}.codes`, packed.codes);
    const scales = uploadArray(device, `${label}.scales`, packed.scales);
    const offsets = packed.offsets ? uploadArray(device, `${label}.offsets`, packed.offsets) : undefined;
    return new GpuPackedWeight(packed, label, codes, scales, offsets);
  }

  get destroyed(): boolean {
    return this.destroyedFlag;
  }

  /** e.g. "int4s g128 [4096x4096]", for messages and labels. */
  describe(): string {
    return `${formatName(this.format)} ${granularityName(this.granularity)} [${this.rows}x${this.cols}]`;
  }

  destroy(): void {
    if (this.destroyedFlag) return;
    this.destroyedFlag = true;
    this.codes.destroy();
    this.scales.destroy();
    this.offsets?.destroy();
  }
}

function uploadArray(device: GPUDevice, label: string, data: Uint32Array | Uint16Array): GPUBuffer {
  // Storage bindings are read as array<u32>: round the size up to whole words (u16 arrays are even already).
  const size = Math.max(4, Math.ceil(data.byteLength / 4) * 4);
  const buffer = device.createBuffer({
    label,
    size,
    usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST | GPUBufferUsage.COPY_SRC,
    mappedAtCreation: true,
  });
  new Uint8Array(buffer.getMappedRange()).set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
  buffer.unmap();
  return buffer;
}

/** The layout facts the kernels rely on; a PackedWeight from quantizeWeight() always passes. */
function validatePacked(p: PackedWeight, label: string): void {
  const fail = (message: string): never => {
    throw new KernelInputError(
      OWNER,
      `${label}: ${message}; build it with quantizeWeight() or fix the bundle that stored it`,
    );
  };
  if (!Number.isInteger(p.rows) || !Number.isInteger(p.cols) || p.rows < 1 || p.cols < 1)
    fail(`shape ${p.rows}x${p.cols} is not positive`);
  if (p.bits !== codeBits(p.format)) fail(`bits ${p.bits} does not match format ${formatName(p.format)}`);
  if (p.bits < 2 || p.bits > 8) fail(`bits ${p.bits} is outside 2..8, which the kernels decode`);
  if (p.wordsPerRow !== wordsPerRowFor(p.cols, p.bits))
    fail(`wordsPerRow ${p.wordsPerRow} should be ${wordsPerRowFor(p.cols, p.bits)}`);
  if (p.codes.length !== p.rows * p.wordsPerRow)
    fail(`codes hold ${p.codes.length} words, expected rows*wordsPerRow = ${p.rows * p.wordsPerRow}`);
  const expectedGroupSize = p.granularity.kind === 'group' ? p.granularity.size : p.cols;
  if (p.groupSize !== expectedGroupSize)
    fail(`groupSize ${p.groupSize} should be ${expectedGroupSize} for ${granularityName(p.granularity)}`);
  // The matmul kernels take one scale per 32-code block (shaders/common/block_sums.wgsl): groups must be whole blocks or the whole row.
  if (p.groupSize !== p.cols && p.groupSize % 32 !== 0)
    fail(`groupSize ${p.groupSize} is neither K nor a multiple of 32`);
  if (p.groupsPerRow !== Math.ceil(p.cols / p.groupSize))
    fail(`groupsPerRow ${p.groupsPerRow} should be ${Math.ceil(p.cols / p.groupSize)}`);
  const scaleCount = (p.granularity.kind === 'tensor' ? 1 : p.rows) * p.groupsPerRow;
  if (p.scales.length < scaleCount) fail(`scales hold ${p.scales.length} entries, expected ${scaleCount}`);
  if (hasOffset(p.format) !== (p.offsets !== undefined))
    fail(`offsets must be present exactly for asymmetric INT formats`);
  if (p.offsets && p.offsets.length < scaleCount)
    fail(`offsets hold ${p.offsets.length} entries, expected ${scaleCount}`);
}
