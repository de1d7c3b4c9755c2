/**
 * The buffers a quantizer fills before packing, laid out as formats.ts describes. quantizeWeight (RTN) and
 * gptqQuantize pick codes and scales differently but must produce the same layout, since the kernels and
 * dequantizeWeight read both alike; hence one place that allocates and one that packs.
 */
import {
  codeBits,
  groupSizeFor,
  hasOffset,
  wordsPerRow,
  type Granularity,
  type PackedWeight,
  type WeightFormat,
} from './formats';
import { packCodes } from './pack';

export interface UnpackedWeight {
  readonly format: WeightFormat;
  readonly granularity: Granularity;
  readonly rows: number;
  readonly cols: number;
  readonly groupSize: number;
  readonly groupsPerRow: number;
  /** One scale row shared by every weight row. */
  readonly perTensor: boolean;
  /** f16 bits, [scale rows, groupsPerRow], padded to an even length (the kernels bind them as array<u32>). */
  readonly scales: Uint16Array;
  /** f16 bits like scales, only for formats with an offset. */
  readonly offsets: Uint16Array | undefined;
  /** One code per weight, row-major [rows, cols], packed by packUnpackedWeight. */
  readonly codes: Uint32Array;
}

export function allocateUnpackedWeight(
  format: WeightFormat,
  granularity: Granularity,
  rows: number,
  cols: number,
): UnpackedWeight {
  const groupSize = groupSizeFor(granularity, cols);
  const groupsPerRow = Math.ceil(cols / groupSize);
  const perTensor = granularity.kind === 'tensor';
  const scaleCount = (perTensor ? 1 : rows) * groupsPerRow;
  const scales = new Uint16Array(scaleCount + (scaleCount & 1));
  const offsets = hasOffset(format) ? new Uint16Array(scales.length) : undefined;
  return {
    format,
    granularity,
    rows,
    cols,
    groupSize,
    groupsPerRow,
    perTensor,
    scales,
    offsets,
    codes: new Uint32Array(rows * cols),
  };
}

export function packUnpackedWeight(u: UnpackedWeight): PackedWeight {
  const bits = codeBits(u.format);
  return {
    format: u.format,
    granularity: u.granularity,
    rows: u.rows,
    cols: u.cols,
    bits,
    groupSize: u.groupSize,
    groupsPerRow: u.groupsPerRow,
    wordsPerRow: wordsPerRow(u.cols, bits),
    codes: packCodes(u.codes, u.rows, u.cols, bits),
    scales: u.scales,
    offsets: u.offsets,
  };
}
