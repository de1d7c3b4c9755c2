/** Shared test cases: every weight format and granularity, and shapes whose cols are not multiples of 32. */
import {
  FP_NAMES,
  INT_BITS,
  f16BitsToF32,
  type Granularity,
  type PackedWeight,
  type WeightFormat,
} from '../../src/quant';

export const ALL_WEIGHT_FORMATS: WeightFormat[] = [
  ...INT_BITS.flatMap((bits) => [
    { kind: 'int', bits, symmetric: true } as const,
    { kind: 'int', bits, symmetric: false } as const,
  ]),
  ...FP_NAMES.map((name) => ({ kind: 'fp', name }) as const),
];

export const ALL_GRANULARITIES: Granularity[] = [
  { kind: 'tensor' },
  { kind: 'channel' },
  { kind: 'group', size: 32 },
  { kind: 'group', size: 64 },
  { kind: 'group', size: 128 },
];

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
