// Packed low-bit weight access (bindings 1-3), one of the two weight sources of the matmul kernels (the other is
// shaders/common/dense_weight.wgsl; both offer valueAt, groupIndex, scaleAt, offsetAt, HAS_OFFSET and weightAt),
// and the decode of dequant.wgsl. Needs shaders/common/matmul_shape.wgsl in front (src/kernels/shaderSource.ts
// assembles the modules). The layout is the contract in src/quant/formats.ts:
//  - codes: per row a little-endian stream of BITS-bit codes in u32 words; a row starts on a word boundary and
//    takes shape.wordsPerRow words; codes of 3, 5, 6 and 7 bits may straddle two words.
//  - scales / offsets: f16 bit pairs read as u32 with unpack2x16float, entry [row * scaleRowStride + k / groupSize]
//    (scaleRowStride is 0 for a per-tensor scale).
//  - w = value(code) * scale + offset. value() is an integer for INT formats and a small float for FP formats, so
//    with a f16 scale the product is exact in f32, and the result equals dequantizeWeight() bit for bit whether
//    or not the compiler fuses the multiply-add.
// The format is fixed per pipeline through the override constants below (see src/kernels/formatConstants.ts), so
// one source serves every format and a pipeline cache key is just the format's name.

// Bits per code, 2..8.
override BITS: u32;
// false: INT (symmetric or asymmetric), true: FP (OCP MX element: sign, EXP_BITS exponent, MAN_BITS mantissa).
override IS_FP: bool;
// INT only: value = code - 2^(BITS-1) when symmetric, value = code when asymmetric.
override INT_SYMMETRIC: bool;
// Asymmetric INT only: add the group's f16 offset.
override HAS_OFFSET: bool;
override EXP_BITS: u32 = 0u;
override MAN_BITS: u32 = 0u;
override EXP_BIAS: u32 = 0u;
// 0: no special codes (FP6, FP4), 1: IEEE Inf/NaN at the top exponent (E5M2), 2: only S.1111.111 is NaN (E4M3).
override FP_SPECIAL: u32 = 0u;

override CODE_MASK: u32 = (1u << BITS) - 1u;
// Whether codes never straddle a word (2, 4 and 8 bits): the word-at-a-time fast paths are used then.
override CODES_ALIGNED: bool = (32u % BITS) == 0u;

@group(0) @binding(1) var<storage, read> codes: array<u32>;
@group(0) @binding(2) var<storage, read> scales: array<u32>;
// Symmetric formats bind the scales buffer here again; it is never read then.
@group(0) @binding(3) var<storage, read> offsets: array<u32>;

// 2^p as f32 for p in the normal range, built from bits so that it is exact on every implementation.
fn pow2(p: i32) -> f32 {
  return bitcast<f32>(u32(p + 127) << 23u);
}

// OCP MX element decode with subnormals (formats.ts decodeFp).
fn decodeFp(code: u32) -> f32 {
  let negative = ((code >> (BITS - 1u)) & 1u) == 1u;
  let expMask = (1u << EXP_BITS) - 1u;
  let e = (code >> MAN_BITS) & expMask;
  let mantissa = code & ((1u << MAN_BITS) - 1u);
  var magnitude: f32;
  if (e == 0u) {
    magnitude = f32(mantissa) * pow2(1 - i32(EXP_BIAS) - i32(MAN_BITS));
  } else {
    magnitude = bitcast<f32>(((e + 127u - EXP_BIAS) << 23u) | (mantissa << (23u - MAN_BITS)));
  }
  // Inf/NaN bit patterns are built from the runtime mantissa: a constant NaN or Inf is a WGSL compile error.
  if (FP_SPECIAL == 1u && e == expMask) {
    magnitude = bitcast<f32>(0x7f800000u | (mantissa << 21u)); // mantissa 0: Inf, otherwise NaN
  }
  if (FP_SPECIAL == 2u && e == expMask && mantissa == (1u << MAN_BITS) - 1u) {
    magnitude = bitcast<f32>(0x7fc00000u | mantissa);
  }
  return select(magnitude, -magnitude, negative);
}

// The value of a code before scaling.
fn codeValue(code: u32) -> f32 {
  if (IS_FP) {
    return decodeFp(code);
  }
  if (INT_SYMMETRIC) {
    return f32(i32(code) - i32(1u << (BITS - 1u)));
  }
  return f32(code);
}

// Code k of the row whose first word is rowWord (handles codes that straddle two words).
fn codeAt(rowWord: u32, k: u32) -> u32 {
  let bit = k * BITS;
  let word = rowWord + (bit >> 5u);
  let shift = bit & 31u;
  var code = codes[word] >> shift;
  if (!CODES_ALIGNED && shift + BITS > 32u) {
    code |= codes[word + 1u] << (32u - shift);
  }
  return code & CODE_MASK;
}

fn halfAt(pairs: u32, index: u32) -> f32 {
  let both = unpack2x16float(pairs);
  return select(both.x, both.y, (index & 1u) == 1u);
}

// Index into scales/offsets of the group holding column k of a row.
fn groupIndex(row: u32, k: u32) -> u32 {
  return row * shape.scaleRowStride + k / shape.groupSize;
}

fn scaleAt(group: u32) -> f32 {
  return halfAt(scales[group >> 1u], group);
}

fn offsetAt(group: u32) -> f32 {
  if (!HAS_OFFSET) {
    return 0.0;
  }
  return halfAt(offsets[group >> 1u], group);
}

// The value of W[row, k] before its group's scale and offset (the weight-source interface, see
// shaders/common/dense_weight.wgsl for the other implementation).
fn valueAt(row: u32, k: u32) -> f32 {
  return codeValue(codeAt(row * shape.wordsPerRow, k));
}

// The dequantised weight W[row, k], identical to dequantizeWeight().
fn weightAt(row: u32, k: u32) -> f32 {
  let group = groupIndex(row, k);
  return valueAt(row, k) * scaleAt(group) + offsetAt(group);
}
