/** Shared test cases: every weight format and granularity, and shapes whose cols are not multiples of 32. */
import { f16BitsToF32, type PackedWeight } from '../../src/quant';

export { ALL_WEIGHT_FORMATS, ALL_GRANULARITIES } from '../../src/quant';

export const SHAPES: [rows: number, cols: number][] = [
  [7, 45],
  [33, 100],
  [64, 256],
];

/** Index of the scale (and offset) of element (row, col) per the layout documented in formats.ts. */
export function scaleIndex(p: PackedWeight, row: number, col: number): number {
  return (p.granularity.kind === 'tensor' ? 0 : row) * p.groupsPerRow + Math.floor(col / p.groupSize);
}

export function scaleAt(p: PackedWeight, row: number, col: number): number {
  return f16BitsToF32(p.scales[scaleIndex(p, row, col)]);
}

export function offsetAt(p: PackedWeight, row: number, col: number): number {
  return p.offsets ? f16BitsToF32(p.offsets[scaleIndex(p, row, col)]) : 0;
}
