// Unquantised weight access (binding 1): W [N, K] row-major as f32, or as f16 bit patterns two per u32 word
// (W_F16; element 2i in the low half, as unpack2x16float reads it, rows packed back to back, so a row starts on a
// word boundary only when K is even). The shipped f16 weights are read as they are stored: unpack2x16float needs
// no shader-f16 feature, the values are exact in f32, and products and sums stay f32.
// The dense implementation of the weight-source interface of shaders/common/packed_weight.wgsl +
// packed_blocks.wgsl: one group per row with scale 1 and no offset, so the shared kernel bodies compute the plain
// dot product (a multiply by 1.0 is exact). Needs shaders/common/matmul_shape.wgsl and, for blockDot,
// shaders/common/activation_input.wgsl (x4).

override W_F16: bool = false;
const HAS_OFFSET: bool = false;

@group(0) @binding(1) var<storage, read> weight: array<u32>;

// Element i of the flat W.
fn denseAt(i: u32) -> f32 {
  if (W_F16) {
    return unpack2x16float(weight[i >> 1u])[i & 1u];
  }
  return bitcast<f32>(weight[i]);
}

fn valueAt(row: u32, k: u32) -> f32 {
  return denseAt(row * shape.cols + k);
}

fn weightAt(row: u32, k: u32) -> f32 {
  return valueAt(row, k);
}

fn groupIndex(row: u32, k: u32) -> u32 {
  return 0u;
}

fn scaleAt(group: u32) -> f32 {
  return 1.0;
}

fn offsetAt(group: u32) -> f32 {
  return 0.0;
}

// W[row, k..k+3]; k is a multiple of 4 inside a full block. f16 pairs on a word boundary are read a word at a time.
fn quadValues(row: u32, k: u32) -> vec4f {
  let i = row * shape.cols + k;
  if (W_F16 && (i & 1u) == 0u) {
    return vec4f(unpack2x16float(weight[i >> 1u]), unpack2x16float(weight[(i >> 1u) + 1u]));
  }
  return vec4f(denseAt(i), denseAt(i + 1u), denseAt(i + 2u), denseAt(i + 3u));
}

// x . w over full block `block` of `row` (no x sum: there is no offset).
fn blockDot(row: u32, xBase: u32, block: u32) -> vec2f {
  let k0 = block * BLOCK;
  var acc = vec4f(0.0);
  for (var j = 0u; j < BLOCK; j += 4u) {
    acc += quadValues(row, k0 + j) * x4(xBase + k0 + j);
  }
  return vec2f((acc.x + acc.y) + (acc.z + acc.w), 0.0);
}
