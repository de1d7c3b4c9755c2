/**
 * Round-to-nearest weight quantization into the packed layout of formats.ts, and its exact dequantization.
 * Scale/offset rules are in groupScale.ts, code selection and the f32 dequant formula in codec.ts, the
 * optional clipping search in clipSearch.ts.
 *
 * Groups: per-tensor is one group spanning the whole matrix; per-channel one group per row; group-g one group
 * per row per g consecutive columns (the last one shorter when g does not divide cols).
 */
import type { Granularity, PackedWeight, WeightFormat } from './formats';
import { QuantizationError } from './errors';
import { f16BitsToF32 } from './f16';
import { makeCodec, dequantValue, type WeightCodec } from './codec';
import { fitConstantGroup, groupScale } from './groupScale';
import { clipCandidates, groupError, validateCalibration, type ClipSearchOptions } from './clipSearch';
import { unpackCode } from './pack';
import { allocateUnpackedWeight, packUnpackedWeight } from './packedLayout';

export interface QuantizeWeightOptions {
  readonly clip?: ClipSearchOptions;
}

export function validateMatrix(w: Float32Array, rows: number, cols: number, what = 'weight'): void {
  if (!Number.isInteger(rows) || !Number.isInteger(cols) || rows < 1 || cols < 1) {
    throw new QuantizationError(`${what} shape ${rows}x${cols} is invalid: rows and cols must be positive integers`);
  }
  if (w.length !== rows * cols) {
    throw new QuantizationError(
      `${what} has ${w.length} values but the shape ${rows}x${cols} needs ${rows * cols}; pass a row-major [rows, cols] array`,
    );
  }
  for (let i = 0; i < w.length; i++) {
    if (!Number.isFinite(w[i])) {
      throw new QuantizationError(
        `${what} at row ${Math.floor(i / cols)}, col ${i % cols} is ${w[i]}: cannot quantize non-finite values; fix the checkpoint (or the op that produced it) first`,
      );
    }
  }
}

interface GroupRegion {
  readonly rowStart: number;
  readonly rowEnd: number;
  readonly colStart: number;
  readonly colEnd: number;
  readonly where: string;
}

export function quantizeWeight(
  w: Float32Array,
  rows: number,
  cols: number,
  format: WeightFormat,
  granularity: Granularity,
  options: QuantizeWeightOptions = {},
): PackedWeight {
  validateMatrix(w, rows, cols);
  const calibration = options.clip?.calibration;
  validateCalibration(calibration, cols);
  const ratios = options.clip ? clipCandidates(options.clip) : [1];
  const codec = makeCodec(format);
  const unpacked = allocateUnpackedWeight(format, granularity, rows, cols);
  const { groupSize, groupsPerRow, perTensor, scales, offsets, codes } = unpacked;
  const scaleRows = perTensor ? 1 : rows;

  for (let scaleRow = 0; scaleRow < scaleRows; scaleRow++) {
    for (let g = 0; g < groupsPerRow; g++) {
      const colStart = g * groupSize;
      const colEnd = Math.min(cols, colStart + groupSize);
      const region: GroupRegion = perTensor
        ? { rowStart: 0, rowEnd: rows, colStart, colEnd, where: 'the whole tensor' }
        : {
            rowStart: scaleRow,
            rowEnd: scaleRow + 1,
            colStart,
            colEnd,
            where: `row ${scaleRow}, cols ${colStart}..${colEnd - 1}`,
          };
      const result = quantizeGroup(codec, w, cols, region, ratios, calibration);
      const index = scaleRow * groupsPerRow + g;
      scales[index] = result.scaleBits;
      if (offsets) offsets[index] = result.offsetBits;
      const groupCols = colEnd - colStart;
      for (let r = region.rowStart; r < region.rowEnd; r++) {
        for (let k = colStart; k < colEnd; k++)
          codes[r * cols + k] = result.codes[(r - region.rowStart) * groupCols + (k - colStart)];
      }
    }
  }
  return packUnpackedWeight(unpacked);
}

interface GroupResult {
  readonly scaleBits: number;
  readonly offsetBits: number;
  /** Row-major [groupRows, groupCols]. */
  readonly codes: Uint32Array;
}

function quantizeGroup(
  codec: WeightCodec,
  w: Float32Array,
  cols: number,
  region: GroupRegion,
  ratios: readonly number[],
  calibration: ClipSearchOptions['calibration'],
): GroupResult {
  const groupRows = region.rowEnd - region.rowStart;
  const groupCols = region.colEnd - region.colStart;
  const values = new Float64Array(groupRows * groupCols);
  let min = Infinity;
  let max = -Infinity;
  for (let r = 0; r < groupRows; r++) {
    for (let k = 0; k < groupCols; k++) {
      const v = w[(region.rowStart + r) * cols + region.colStart + k];
      values[r * groupCols + k] = v;
      if (v < min) min = v;
      if (v > max) max = v;
    }
  }
  if (min === max) {
    const fit = fitConstantGroup(codec, min, region.where);
    return {
      scaleBits: fit.scaleBits,
      offsetBits: fit.offsetBits,
      codes: new Uint32Array(values.length).fill(fit.code),
    };
  }
  let best: GroupResult | undefined;
  let bestError = Infinity;
  const delta = new Float64Array(values.length);
  for (const ratio of ratios) {
    const s = groupScale(codec.format, min, max, ratio, region.where);
    const codes = new Uint32Array(values.length);
    for (let i = 0; i < values.length; i++) codes[i] = codec.encode(values[i], s.scale, s.offset);
    if (ratios.length === 1) return { scaleBits: s.scaleBits, offsetBits: s.offsetBits, codes };
    for (let i = 0; i < values.length; i++)
      delta[i] = values[i] - dequantValue(codec.values[codes[i]], s.scale, s.offset);
    const error = groupError(delta, groupRows, groupCols, region.colStart, cols, calibration);
    if (error < bestError) {
      bestError = error;
      best = { scaleBits: s.scaleBits, offsetBits: s.offsetBits, codes };
    }
  }
  return best!;
}

/** Row-major [rows, cols] f32 weights: value(code) * scale + offset, rounded to f32 after each operation. */
export function dequantizeWeight(p: PackedWeight): Float32Array {
  const codec = makeCodec(p.format);
  const out = new Float32Array(p.rows * p.cols);
  const perTensor = p.granularity.kind === 'tensor';
  for (let r = 0; r < p.rows; r++) {
    const scaleBase = (perTensor ? 0 : r) * p.groupsPerRow;
    for (let k = 0; k < p.cols; k++) {
      const index = scaleBase + Math.floor(k / p.groupSize);
      const scale = f16BitsToF32(p.scales[index]);
      const offset = p.offsets ? f16BitsToF32(p.offsets[index]) : 0;
      out[r * p.cols + k] = dequantValue(codec.values[unpackCode(p.codes, r, k, p.wordsPerRow, p.bits)], scale, offset);
    }
  }
  return out;
}
