/**
 * Weights against their quantisation grid: histogram binning, the values a format's codes decode to, and
 * weights normalised by their group's scale (and offset) so that every group's weights land on the same grid,
 * code units. Shared by the format explorer's probe (src/engine/quantProbe.ts) and the analysis weight view.
 */
import { codeBits, codeValue, type PackedWeight, type WeightFormat } from '../../quant/formats';
import { f16BitsToF32 } from '../../quant/f16';
import { dequantValue } from '../../quant/codec';

export interface Histogram {
  /** bins + 1 increasing edges; bin i covers [edges[i], edges[i+1]) (the last bin includes its right edge). */
  readonly edges: number[];
  readonly counts: number[];
  /** Values outside [edges[0], edges[bins]] (not counted in any bin). */
  readonly outside: number;
}

/** Equal-width histogram over `range` (default: the values' min..max; a zero-width range is widened by 1e-6). */
export function histogram(values: ArrayLike<number>, bins: number, range?: readonly [number, number]): Histogram {
  if (!Number.isInteger(bins) || bins < 1) throw new RangeError(`bins ${bins} must be a positive integer.`);
  let [lo, hi] = range ?? [Infinity, -Infinity];
  if (!range) {
    for (let i = 0; i < values.length; i++) {
      lo = Math.min(lo, values[i]!);
      hi = Math.max(hi, values[i]!);
    }
    if (values.length === 0) [lo, hi] = [0, 1];
  }
  if (!(hi > lo)) hi = lo + 1e-6;
  const counts = new Array<number>(bins).fill(0);
  let outside = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (!(v >= lo && v <= hi)) {
      outside++;
      continue;
    }
    counts[Math.min(bins - 1, Math.floor(((v - lo) / (hi - lo)) * bins))]!++;
  }
  const edges = Array.from({ length: bins + 1 }, (_, i) => lo + ((hi - lo) * i) / bins);
  return { edges, counts, outside };
}

/** Every finite value a code of `format` decodes to before scaling (code units), distinct and sorted. */
export function codeGrid(format: WeightFormat): number[] {
  const values = new Set<number>();
  for (let code = 0; code < 2 ** codeBits(format); code++) {
    const v = codeValue(format, code);
    if (Number.isFinite(v)) values.add(v === 0 ? 0 : v); // -0 and +0 are one grid point
  }
  return [...values].sort((a, b) => a - b);
}

export interface GroupRegion {
  readonly rowStart: number;
  readonly rowEnd: number;
  readonly colStart: number;
  readonly colEnd: number;
  readonly scale: number;
  readonly offset: number;
}

/** Number of scale groups of a packed weight (one for per-tensor, rows x groupsPerRow otherwise). */
export function groupCount(packed: PackedWeight): number {
  return (packed.granularity.kind === 'tensor' ? 1 : packed.rows) * packed.groupsPerRow;
}

/** The weights group `index` covers and its stored (f16) scale and offset. */
export function groupRegion(packed: PackedWeight, index: number): GroupRegion {
  if (!Number.isInteger(index) || index < 0 || index >= groupCount(packed))
    throw new RangeError(`group ${index} is outside 0..${groupCount(packed) - 1}.`);
  const perTensor = packed.granularity.kind === 'tensor';
  const scaleRow = Math.floor(index / packed.groupsPerRow);
  const colStart = (index % packed.groupsPerRow) * packed.groupSize;
  return {
    rowStart: perTensor ? 0 : scaleRow,
    rowEnd: perTensor ? packed.rows : scaleRow + 1,
    colStart,
    colEnd: Math.min(packed.cols, colStart + packed.groupSize),
    scale: f16BitsToF32(packed.scales[index]!),
    offset: packed.offsets ? f16BitsToF32(packed.offsets[index]!) : 0,
  };
}

/** The dequantised values group `index` can hold (value(code) * scale + offset in f32, as the GPU computes), sorted. */
export function groupDequantGrid(packed: PackedWeight, index: number): number[] {
  const { scale, offset } = groupRegion(packed, index);
  const grid = new Set<number>();
  for (const v of codeGrid(packed.format)) grid.add(dequantValue(v, scale, offset));
  return [...grid].sort((a, b) => a - b);
}

/**
 * (w - offset) / scale of every weight in the chosen groups (all groups, or one), in code units: the weights as
 * the quantiser sees them, comparable with codeGrid(format). Groups with scale 0 (all-constant groups) are
 * skipped: they have no grid to compare with.
 */
export function normalisedWeights(w: Float32Array, packed: PackedWeight, group?: number): Float32Array {
  const indices = group === undefined ? Array.from({ length: groupCount(packed) }, (_, i) => i) : [group];
  const out: number[] = [];
  for (const index of indices) {
    const g = groupRegion(packed, index);
    if (g.scale === 0) continue;
    for (let r = g.rowStart; r < g.rowEnd; r++) {
      for (let c = g.colStart; c < g.colEnd; c++) out.push((w[r * packed.cols + c]! - g.offset) / g.scale);
    }
  }
  return Float32Array.from(out);
}

/** The original weights of one group, row by row. */
export function groupWeights(w: Float32Array, packed: PackedWeight, index: number): Float32Array {
  const g = groupRegion(packed, index);
  const out = new Float32Array((g.rowEnd - g.rowStart) * (g.colEnd - g.colStart));
  let at = 0;
  for (let r = g.rowStart; r < g.rowEnd; r++)
    for (let c = g.colStart; c < g.colEnd; c++) out[at++] = w[r * packed.cols + c]!;
  return out;
}

/**
 * Relative RMS error of dequantised weights `a` against the originals `ref`: sqrt(sum (a - ref)^2 / sum ref^2),
 * the denominator floored at 1e-30 so an all-zero layer gives a finite number (0 when matched exactly), never NaN.
 * Shared by the weight view and the quant probe, which report the same "weight error".
 */
export function relRmse(a: Float32Array | Float64Array, ref: Float32Array | Float64Array): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < ref.length; i++) {
    num += (a[i]! - ref[i]!) ** 2;
    den += ref[i]! ** 2;
  }
  return Math.sqrt(num / Math.max(den, 1e-30));
}
