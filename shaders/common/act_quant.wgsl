// Activation fake quantisation (quantise, then dequantise back to f32), the GPU twin of fakeQuantActivations() in
// src/quant/activation.ts, for x [tokens, cols]:
//   INT k:  s = absmax / QMAX (QMAX = 2^(k-1) - 1),  y = clamp(round(x / s), -QMAX, QMAX) * s
//   FP8:    s = absmax / QMAX (QMAX = max finite),   y = nearest FP value of x / s (saturating) * s
// with absmax per token (PER_TOKEN, a workgroup reduction over the row) or s given (static per-tensor scale).
// SMOOTH (SmoothQuant, src/quant/smoothQuant.ts): every x is first multiplied by its column's channelScale
// (f32(1/s_j), one correctly rounded product), and the absmax is taken over these smoothed values; otherwise
// channelScale is a placeholder binding that is never read.
// A scale of 0 gives zeros. round() is half-to-even, as in the reference.
// WGSL only promises 2.5 ulp for f32 division (SwiftShader is off by one ulp often). The row scale multiplies
// every output, so it is computed with an exact, correctly rounded integer division (divideByQmax). The per-element
// x / s uses the hardware division: an ulp there changes the result only when x / s sits within an ulp of a
// rounding tie, and the GPU tests count such elements.
//
// Shared by act_fakequant.wgsl (one workgroup per token, tree reduction) and act_fakequant_rows.wgsl (barrier-free,
// for CPU adapters); src/kernels/shaderSource.ts puts this file in front of either.

override IS_FP: bool;
override QMAX: f32;
// FP only: mantissa bits and the exponent of the smallest normal (1 - bias) of the element format.
override MAN_BITS: u32 = 0u;
override MIN_NORMAL_EXP: i32 = 0;
override PER_TOKEN: bool;
override SMOOTH: bool = false;

struct ActShape {
  tokens: u32,
  cols: u32,
  tensorScale: f32, // used when !PER_TOKEN
  _pad: u32,
}

@group(0) @binding(0) var<uniform> shape: ActShape;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> y: array<f32>;
@group(0) @binding(3) var<storage, read> channelScale: array<f32>;

// QMAX as an integer (every QMAX is an integer below 2^16: 1..127, 448, 57344).
override QMAX_INT: u32 = u32(QMAX);

// a / QMAX rounded to nearest even, exactly as an IEEE division does, for finite a >= 0 (absmax of a row).
// Long division of a's 24-bit significand by QMAX, one quotient bit at a time until 26 bits (24 kept, one
// rounding bit, one more) plus the remainder as sticky bit. Runs once per row, so its loop costs nothing.
fn divideByQmax(a: f32) -> f32 {
  let bits = bitcast<u32>(a);
  var exponent = i32(bits >> 23u) - 150; // a = significand * 2^exponent
  var significand = bits & 0x7fffffu;
  if ((bits >> 23u) == 0u) {
    if (significand == 0u) {
      return 0.0;
    }
    exponent = -149;
  } else {
    significand |= 0x800000u;
  }
  var quotient = significand / QMAX_INT;
  var remainder = significand % QMAX_INT;
  while (quotient < (1u << 25u)) {
    remainder <<= 1u;
    quotient <<= 1u;
    if (remainder >= QMAX_INT) {
      quotient |= 1u;
      remainder -= QMAX_INT;
    }
    exponent -= 1;
  }
  // quotient in [2^25, 2^26): keep 24 bits, round half to even on the 2 dropped bits and the remainder.
  var kept = quotient >> 2u;
  let dropped = quotient & 3u;
  exponent += 2;
  if (dropped > 2u || (dropped == 2u && (remainder != 0u || (kept & 1u) == 1u))) {
    kept += 1u;
    if (kept == (1u << 24u)) {
      kept >>= 1u;
      exponent += 1;
    }
  }
  // value = kept * 2^exponent with kept in [2^23, 2^24): the f32 exponent field is exponent + 23 + 127.
  let field = exponent + 150;
  if (field <= 0) {
    return a / QMAX; // result below the normal range: unreachable for activations, leave it to the hardware
  }
  return bitcast<f32>((u32(field) << 23u) | (kept & 0x7fffffu));
}

fn pow2(p: i32) -> f32 {
  return bitcast<f32>(u32(p + 127) << 23u);
}

// Nearest value of the FP element grid to v (ties to even, saturating at +-QMAX), like quantizeToFp + decodeFp.
fn roundToFpGrid(v: f32) -> f32 {
  let a = abs(v);
  if (a >= QMAX) {
    return select(QMAX, -QMAX, v < 0.0);
  }
  // Binade exponent from the bits (a is finite, so the exponent field is exact); subnormal inputs and the
  // element format's subnormals share the spacing of its lowest normal binade.
  let binade = max(i32((bitcast<u32>(a) >> 23u) & 0xffu) - 127, MIN_NORMAL_EXP);
  let quantumExp = binade - i32(MAN_BITS);
  // Multiplying by a power of two is exact here, so round() sees the exact quotient.
  let q = min(round(a * pow2(-quantumExp)) * pow2(quantumExp), QMAX);
  return select(q, -q, v < 0.0);
}

// The input element the quantiser sees: x, or x times its column's smoothing scale.
fn inputAt(index: u32, col: u32) -> f32 {
  if (SMOOTH) {
    return x[index] * channelScale[col];
  }
  return x[index];
}

// The quantisation scale of the token whose row starts at `base`, found by one invocation alone (the barrier-free
// variants act_fakequant_rows.wgsl and act_quant_int8.wgsl): the per-tensor scale, or the row's absmax / QMAX.
fn rowScale(base: u32) -> f32 {
  if (!PER_TOKEN) {
    return shape.tensorScale;
  }
  var absmax = 0.0;
  for (var k = 0u; k < shape.cols; k++) {
    absmax = max(absmax, abs(inputAt(base + k, k)));
  }
  return divideByQmax(absmax);
}

fn fakeQuant(v: f32, scale: f32) -> f32 {
  let scaled = v / scale;
  if (IS_FP) {
    return roundToFpGrid(scaled) * scale;
  }
  return clamp(round(scaled), -QMAX, QMAX) * scale;
}
