// Activation input X (binding 4) of the matmul kernels, f32 or f16 storage, shared by every GEMV and GEMM path
// through src/kernels/shaderSource.ts. Needs shaders/common/matmul_shape.wgsl (`shape`, cols = K) in front.
//  - X_F16 false: X is f32 [M, K] row-major (read as u32 words and bitcast, which is free).
//  - X_F16 true: X is f16 [M, K] bit patterns, two per u32 word (element 2i in the low half, as
//    unpack2x16float reads it), each row padded to an even number of halves so that every row starts on a word
//    boundary: the row stride is K rounded up to even, and the buffer holds M * ceil(K / 2) words.
// unpack2x16float needs no shader-f16 feature, so the f16 path runs everywhere; products and sums stay f32.
// Overrides cannot change a binding's type, hence one array<u32> for both layouts.

override X_F16: bool = false;

@group(0) @binding(4) var<storage, read> x: array<u32>;

// Elements between the starts of consecutive X rows (index units of xAt).
fn xRowStride() -> u32 {
  if (X_F16) {
    return (shape.cols + 1u) & ~1u;
  }
  return shape.cols;
}

// X element at flat index i = row * xRowStride() + column, as f32.
fn xAt(i: u32) -> f32 {
  if (X_F16) {
    return unpack2x16float(x[i >> 1u])[i & 1u];
  }
  return bitcast<f32>(x[i]);
}

// Four consecutive X elements from flat index i.
fn x4(i: u32) -> vec4f {
  return vec4f(xAt(i), xAt(i + 1u), xAt(i + 2u), xAt(i + 3u));
}
