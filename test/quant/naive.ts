/**
 * Deliberately slow, independent re-implementations used to check src/quant bit for bit:
 *  - f16 by nearest search in a sorted table of every f16 value (decoded with the contract's generic decodeFp
 *    as an e5m10 format), instead of bit manipulation;
 *  - FP element codes and weight codes by brute-force search over the decoded grid for the nearest value (ties
 *    to the even code), instead of scaling and rounding;
 *  - packing through one BigInt per row instead of word/offset arithmetic.
 * Only the documented rules (which scale formula, which ties) are shared with the implementation.
 */
import {
  FP_SPECS,
  codeValue,
  decodeFp,
  groupSizeFor,
  hasOffset,
  type FpSpec,
  type Granularity,
  type WeightFormat,
} from '../../src/quant/formats';

const F16_AS_FP: FpSpec = {
  name: 'e4m3',
  bits: 16,
  expBits: 5,
  manBits: 10,
  bias: 15,
  maxFinite: 65504,
  special: 'ieee',
};

/** Every finite f16 value with its bits, ascending; -0 is left out (+0 stands for both). */
const F16_TABLE: { value: number; bits: number }[] = (() => {
  const table: { value: number; bits: number }[] = [];
  for (let bits = 0; bits < 0x10000; bits++) {
    const value = decodeFp(F16_AS_FP, bits);
    if (Number.isFinite(value) && !(value === 0 && bits !== 0)) table.push({ value, bits });
  }
  return table.sort((a, b) => a.value - b.value);
})();

export function naiveF16Value(bits: number): number {
  return decodeFp(F16_AS_FP, bits);
}

/** Index of the last table entry with value <= x (-1 if none). */
function floorIndex(x: number): number {
  let lo = -1;
  let hi = F16_TABLE.length;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (F16_TABLE[mid].value <= x) lo = mid;
    else hi = mid;
  }
  return lo;
}

/** Non-negative table entries plus 65536 standing for Infinity (its bits 0x7c00 have an even mantissa). */
const F16_NON_NEGATIVE = [...F16_TABLE.filter((e) => e.value >= 0), { value: 65536, bits: 0x7c00 }];

/** Nearest f16 of fround(x), ties to even bits, found by bisection in the table; beyond 65520 gives Infinity. */
export function naiveF32ToF16Bits(x: number): number {
  const f = Math.fround(x);
  if (Number.isNaN(f)) return 0x7e00;
  const sign = f < 0 || Object.is(f, -0) ? 0x8000 : 0;
  const a = Math.abs(f);
  if (a >= 65536) return sign | 0x7c00;
  let lo = 0; // F16_NON_NEGATIVE[lo].value <= a < F16_NON_NEGATIVE[hi].value
  let hi = F16_NON_NEGATIVE.length - 1;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (F16_NON_NEGATIVE[mid].value <= a) lo = mid;
    else hi = mid;
  }
  const below = F16_NON_NEGATIVE[lo];
  const above = F16_NON_NEGATIVE[hi];
  const dBelow = a - below.value;
  const dAbove = above.value - a;
  const pick = dBelow < dAbove ? below : dAbove < dBelow ? above : (below.bits & 1) === 0 ? below : above;
  return sign | pick.bits;
}

/** Smallest f16 >= x, as bits. */
export function naiveF16RoundUp(x: number): number {
  if (x > 65504) return 0x7c00;
  const i = floorIndex(x);
  if (i >= 0 && F16_TABLE[i].value === x) return F16_TABLE[i].bits;
  return F16_TABLE[i + 1].bits;
}

/** Largest f16 <= x, as bits. */
export function naiveF16RoundDown(x: number): number {
  if (x < -65504) return 0xfc00;
  return F16_TABLE[floorIndex(x)].bits;
}

/** Round half to even via Math.round (which rounds halves up) and a parity fix. */
export function naiveRoundHalfEven(x: number): number {
  const r = Math.round(x);
  return r - x === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** Nearest finite code by exhaustive search; ties go to the even code, equal values (±0) to the smaller code. */
export function naiveQuantizeToFp(spec: FpSpec, x: number): number {
  return nearestCode(
    1 << spec.bits,
    (code) => decodeFp(spec, code),
    (v) => Math.abs(x - v),
  );
}

function nearestCode(count: number, valueOf: (code: number) => number, distanceTo: (v: number) => number): number {
  let best = -1;
  let bestDistance = Infinity;
  let bestValue = NaN;
  for (let code = 0; code < count; code++) {
    const v = valueOf(code);
    if (!Number.isFinite(v)) continue;
    const d = distanceTo(v);
    const better =
      d < bestDistance || (d === bestDistance && (v === bestValue ? false : (code & 1) === 0 && (best & 1) === 1));
    if (better) {
      best = code;
      bestDistance = d;
      bestValue = v;
    }
  }
  return best;
}

export function naivePackCodes(codes: ArrayLike<number>, rows: number, cols: number, bits: number): Uint32Array {
  const wpr = Math.ceil((cols * bits) / 32);
  const out = new Uint32Array(rows * wpr);
  for (let r = 0; r < rows; r++) {
    let stream = 0n;
    for (let k = cols - 1; k >= 0; k--) stream = (stream << BigInt(bits)) | BigInt(codes[r * cols + k]);
    for (let i = 0; i < wpr; i++) out[r * wpr + i] = Number((stream >> BigInt(32 * i)) & 0xffffffffn);
  }
  return out;
}

export function naiveUnpackRow(words: Uint32Array, row: number, cols: number, bits: number): number[] {
  const wpr = Math.ceil((cols * bits) / 32);
  let stream = 0n;
  for (let i = wpr - 1; i >= 0; i--) stream = (stream << 32n) | BigInt(words[row * wpr + i]);
  const mask = (1n << BigInt(bits)) - 1n;
  return Array.from({ length: cols }, (_, k) => Number((stream >> BigInt(k * bits)) & mask));
}

export interface NaiveQuantized {
  /** Row-major codes. */
  readonly codes: number[];
  readonly scaleBits: number[];
  readonly offsetBits: number[];
}

/**
 * Straightforward weight quantization: for each group (a list of element indices) and each clip ratio, the
 * scale from the documented rule, codes by nearest grid point v*s+o (exact f64 distance), error by direct
 * summation; ties between ratios go to the earlier one (1 first). Constant groups are not covered.
 */
export function naiveQuantizeWeight(
  w: Float32Array,
  rows: number,
  cols: number,
  format: WeightFormat,
  granularity: Granularity,
  clip?: { ratios: number[]; calibration?: { x: Float32Array; tokens: number } },
): NaiveQuantized {
  const groupSize = groupSizeFor(granularity, cols);
  const groupsPerRow = Math.ceil(cols / groupSize);
  const groups: number[][] = [];
  for (let r = 0; r < rows; r++) {
    for (let k = 0; k < cols; k++) {
      const index = (granularity.kind === 'tensor' ? 0 : r) * groupsPerRow + Math.floor(k / groupSize);
      (groups[index] ??= []).push(r * cols + k);
    }
  }
  const codes = new Array<number>(rows * cols).fill(-1);
  const scaleBits: number[] = [];
  const offsetBits: number[] = [];
  const ratios = clip ? [1, ...clip.ratios.filter((r) => r !== 1)] : [1];
  const levels = 2 ** (format.kind === 'int' ? format.bits : FP_SPECS[format.name].bits);
  const grid = Array.from({ length: levels }, (_, code) => codeValue(format, code));
  groups.forEach((members, g) => {
    const values = members.map((i) => w[i]);
    if (Math.min(...values) === Math.max(...values))
      throw new Error('naiveQuantizeWeight does not cover constant groups');
    let bestError = Infinity;
    for (const ratio of ratios) {
      const { sBits, oBits } = naiveGroupScale(format, values, ratio);
      const s = naiveF16Value(sBits);
      const o = naiveF16Value(oBits);
      const groupCodes = values.map((x) =>
        nearestCode(
          levels,
          (code) => grid[code],
          (v) => Math.abs(x - o - v * s),
        ),
      );
      const deltas = values.map((x, j) => x - Math.fround(Math.fround(grid[groupCodes[j]] * s) + o));
      const error = clip?.calibration
        ? outputError(members, deltas, cols, clip.calibration)
        : deltas.reduce((a, d) => a + d * d, 0);
      if (ratios.length === 1 || error < bestError) {
        bestError = error;
        scaleBits[g] = sBits;
        offsetBits[g] = oBits;
        members.forEach((i, j) => (codes[i] = groupCodes[j]));
      }
    }
  });
  return { codes, scaleBits, offsetBits: hasOffset(format) ? offsetBits : [] };
}

function naiveGroupScale(format: WeightFormat, values: number[], ratio: number): { sBits: number; oBits: number } {
  const scaled = values.map((x) => ratio * x);
  if (format.kind === 'fp') {
    return { sBits: naiveF16RoundUp(Math.max(...scaled.map(Math.abs)) / FP_SPECS[format.name].maxFinite), oBits: 0 };
  }
  if (format.symmetric) {
    const half = 2 ** (format.bits - 1);
    return {
      sBits: naiveF16RoundUp(Math.max(0, ...scaled.map((x) => (x >= 0 ? x / (half - 1) : -x / half)))),
      oBits: 0,
    };
  }
  const oBits = naiveF16RoundDown(Math.min(...scaled));
  return { sBits: naiveF16RoundUp((Math.max(...scaled) - naiveF16Value(oBits)) / (2 ** format.bits - 1)), oBits };
}

/** Sum over tokens and the group's rows of (X[t, group cols] . delta[row])^2. */
function outputError(
  members: number[],
  deltas: number[],
  cols: number,
  calibration: { x: Float32Array; tokens: number },
): number {
  const perRow = new Map<number, { col: number; delta: number }[]>();
  members.forEach((i, j) => {
    const row = Math.floor(i / cols);
    if (!perRow.has(row)) perRow.set(row, []);
    perRow.get(row)!.push({ col: i % cols, delta: deltas[j] });
  });
  let sum = 0;
  for (let t = 0; t < calibration.tokens; t++) {
    for (const entries of perRow.values()) {
      let dot = 0;
      for (const { col, delta } of entries) dot += calibration.x[t * cols + col] * delta;
      sum += dot * dot;
    }
  }
  return sum;
}

/** Per-token/per-tensor activation fake quant by nearest-grid search (see src/quant/activation.ts for the rules). */
export function naiveFakeQuant(
  x: Float32Array,
  tokens: number,
  cols: number,
  format: { kind: 'int'; bits: number } | { kind: 'fp'; name: 'e4m3' | 'e5m2' },
  tensorScale?: number,
): Float32Array {
  const qmax = format.kind === 'int' ? 2 ** (format.bits - 1) - 1 : FP_SPECS[format.name].maxFinite;
  const out = new Float32Array(x.length);
  for (let t = 0; t < tokens; t++) {
    const row = Array.from(x.subarray(t * cols, (t + 1) * cols));
    const s = tensorScale ?? Math.fround(Math.max(...row.map(Math.abs)) / qmax);
    row.forEach((v, k) => {
      if (s === 0) return;
      const u = Math.fround(v / s);
      let q: number;
      if (format.kind === 'int') q = Math.min(qmax, Math.max(-qmax, naiveRoundHalfEven(u)));
      else q = decodeFp(FP_SPECS[format.name], naiveQuantizeToFp(FP_SPECS[format.name], u));
      out[t * cols + k] = Math.fround(q * s);
    });
  }
  return out;
}
