/**
 * Number formats for weights and activations, and the one packed layout every weight format uses.
 *
 * This file is the contract between the TypeScript reference (src/quant), the WGSL kernels (shaders/,
 * src/kernels) and the bundle/engine code. Change it only together with all three.
 *
 * Packed layout (PackedWeight), for a Linear weight W of shape [rows = out features N, cols = in features K]:
 *  - codes: each row is a little-endian bit stream of K codes of `bits` bits each, packed tightly along K in
 *    u32 words. Code k of a row occupies stream bits [k*bits, k*bits + bits): word (k*bits) >> 5, starting at
 *    bit (k*bits) & 31; a code may straddle two words (3, 5, 6, 7 bits). A row starts on a word boundary and
 *    takes wordsPerRow = ceil(K * bits / 32) words; unused high bits of a row's last word are zero.
 *  - scales (and offsets for asymmetric INT): f16 bit patterns, one per group, indexed
 *    [scaleRow * groupsPerRow + floor(k / groupSize)], where scaleRow is 0 for per-tensor and the row otherwise.
 *    groupSize is K for per-tensor and per-channel granularity; the last group of a row may be shorter.
 *    The u16 arrays are padded to an even length so that they can be bound as array<u32> and read with
 *    unpack2x16float (no shader-f16 needed).
 *  - dequantised value: w = value(code) * scale + offset, where value() is
 *      INT symmetric:  code - 2^(bits-1)            (codes 0 .. 2^bits-1 cover -2^(bits-1) .. 2^(bits-1)-1)
 *      INT asymmetric: code                          (0 .. 2^bits-1), offset = the group's f16 offset
 *      FP (OCP MX element): the sign/exponent/mantissa decode of the code (see decodeFp)
 *    and offset is 0 for every format but asymmetric INT.
 *
 * Rounding everywhere is round-half-to-even (WGSL round(), torch.round()).
 */

export type IntBits = 2 | 3 | 4 | 5 | 6 | 7 | 8;

export type WeightFormat =
  | { readonly kind: 'int'; readonly bits: IntBits; readonly symmetric: boolean }
  | { readonly kind: 'fp'; readonly name: FpName };

export type Granularity =
  { readonly kind: 'tensor' } | { readonly kind: 'channel' } | { readonly kind: 'group'; readonly size: 32 | 64 | 128 };

export type ActivationFormat =
  | { readonly kind: 'none' }
  | { readonly kind: 'int'; readonly bits: IntBits }
  | { readonly kind: 'fp'; readonly name: 'e4m3' | 'e5m2' };

/** Per token: dynamic absmax per row of the activation matrix. Per tensor: one static scale from calibration. */
export type ActivationScaling = { readonly kind: 'token' } | { readonly kind: 'tensor'; readonly scale: number };

/** An FP element format's bits and decode facts (decodeFp, shaders/common/packed_weight.wgsl read these). */
export interface FpElement {
  readonly bits: number;
  readonly expBits: number;
  readonly manBits: number;
  readonly bias: number;
  /** Largest finite magnitude. */
  readonly maxFinite: number;
  /** E5M2 keeps IEEE infinities and NaNs (exponent all ones); E4M3 has one NaN per sign (S.1111.111); FP6/FP4 have none. */
  readonly special: 'ieee' | 'e4m3-nan' | 'none';
}

/** OCP Microscaling (MX) v1.0 element formats. Their tokens and labels are src/quant/vocabulary.ts' FP_WORDS. */
const FP_ELEMENTS = {
  e4m3: { bits: 8, expBits: 4, manBits: 3, bias: 7, maxFinite: 448, special: 'e4m3-nan' },
  e5m2: { bits: 8, expBits: 5, manBits: 2, bias: 15, maxFinite: 57344, special: 'ieee' },
  e3m2: { bits: 6, expBits: 3, manBits: 2, bias: 3, maxFinite: 28, special: 'none' },
  e2m3: { bits: 6, expBits: 2, manBits: 3, bias: 1, maxFinite: 7.5, special: 'none' },
  e2m1: { bits: 4, expBits: 2, manBits: 1, bias: 1, maxFinite: 6, special: 'none' },
} as const satisfies Record<string, FpElement>;

export type FpName = keyof typeof FP_ELEMENTS;

export interface FpSpec extends FpElement {
  readonly name: FpName;
}

export const FP_SPECS: Readonly<Record<FpName, FpSpec>> = Object.fromEntries(
  Object.entries(FP_ELEMENTS).map(([name, element]) => [name, { name, ...element }]),
) as Record<FpName, FpSpec>;

export const FP_NAMES = Object.keys(FP_SPECS) as FpName[];
export const INT_BITS: readonly IntBits[] = [2, 3, 4, 5, 6, 7, 8];
export const GROUP_SIZES = [32, 64, 128] as const;

/** Every weight format: INT2..8 symmetric and asymmetric, then the five FP element formats. */
export const ALL_WEIGHT_FORMATS: readonly WeightFormat[] = [
  ...INT_BITS.flatMap((bits) => [
    { kind: 'int', bits, symmetric: true } as const,
    { kind: 'int', bits, symmetric: false } as const,
  ]),
  ...FP_NAMES.map((name) => ({ kind: 'fp', name }) as const),
];

export const ALL_GRANULARITIES: readonly Granularity[] = [
  { kind: 'tensor' },
  { kind: 'channel' },
  ...GROUP_SIZES.map((size) => ({ kind: 'group', size }) as const),
];

/** Decodes one FP element code to its value (NaN and ±Infinity where the format has them). */
export function decodeFp(spec: FpSpec, code: number): number {
  const sign = (code >> (spec.bits - 1)) & 1 ? -1 : 1;
  const expMask = (1 << spec.expBits) - 1;
  const e = (code >> spec.manBits) & expMask;
  const m = code & ((1 << spec.manBits) - 1);
  if (spec.special === 'ieee' && e === expMask) return m === 0 ? sign * Infinity : NaN;
  if (spec.special === 'e4m3-nan' && e === expMask && m === (1 << spec.manBits) - 1) return NaN;
  const frac = m / (1 << spec.manBits);
  return e === 0 ? sign * frac * 2 ** (1 - spec.bias) : sign * (1 + frac) * 2 ** (e - spec.bias);
}

/** Bits per stored code. */
export function codeBits(format: WeightFormat): number {
  return format.kind === 'int' ? format.bits : FP_SPECS[format.name].bits;
}

export function hasOffset(format: WeightFormat): boolean {
  return format.kind === 'int' && !format.symmetric;
}

/** Value of a code before scaling (see the layout comment above). */
export function codeValue(format: WeightFormat, code: number): number {
  if (format.kind === 'fp') return decodeFp(FP_SPECS[format.name], code);
  return format.symmetric ? code - (1 << (format.bits - 1)) : code;
}

export function groupSizeFor(granularity: Granularity, cols: number): number {
  return granularity.kind === 'group' ? granularity.size : cols;
}

/** Stored bits per weight including the f16 scale (and offset) per group: what a scaling-law chart calls bits. */
export function effectiveBitsPerWeight(
  format: WeightFormat,
  granularity: Granularity,
  rows: number,
  cols: number,
): number {
  const groupSize = groupSizeFor(granularity, cols);
  const groups = (granularity.kind === 'tensor' ? 1 : rows) * Math.ceil(cols / groupSize);
  const perGroupBits = 16 * (hasOffset(format) ? 2 : 1);
  return codeBits(format) + (groups * perGroupBits) / (rows * cols);
}

export interface PackedWeight {
  readonly format: WeightFormat;
  readonly granularity: Granularity;
  /** Output features N. */
  readonly rows: number;
  /** Input features K. */
  readonly cols: number;
  readonly bits: number;
  readonly groupSize: number;
  readonly groupsPerRow: number;
  readonly wordsPerRow: number;
  /** rows * wordsPerRow words. */
  readonly codes: Uint32Array;
  /** f16 bit patterns, (per-tensor ? 1 : rows) * groupsPerRow entries, padded to even length. */
  readonly scales: Uint16Array;
  /** Same shape as scales; asymmetric INT only. */
  readonly offsets?: Uint16Array;
}

export function wordsPerRow(cols: number, bits: number): number {
  return Math.ceil((cols * bits) / 32);
}

/** Bytes the packed tensor takes on the GPU (codes, scales, offsets). */
export function packedByteLength(p: PackedWeight): number {
  return p.codes.byteLength + p.scales.byteLength + (p.offsets?.byteLength ?? 0);
}
