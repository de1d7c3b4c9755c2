// Bias (binding 5) and output (binding 6) of the matmul kernels, y[t, n] = ... + bias[n]: one declaration for every
// path (GEMV, rows GEMM, tiled GEMM, dot4), composed after shaders/common/matmul_shape.wgsl.

@group(0) @binding(5) var<storage, read> bias: array<f32>;      // [N] when shape.hasBias == 1
@group(0) @binding(6) var<storage, read_write> y: array<f32>;   // [m, N]

fn biasAt(row: u32) -> f32 {
  if (shape.hasBias == 1u) {
    return bias[row];
  }
  return 0.0;
}

// Stores y[token, row] = value + bias[row].
fn storeOutput(token: u32, row: u32, value: f32) {
  y[token * shape.rows + row] = value + biasAt(row);
}

// Stores the first `count` of 8 token outputs of one column (lo: tokens t0..t0+3, hi: t0+4..t0+7).
fn storeTokens(t0: u32, row: u32, count: u32, lo: vec4f, hi: vec4f) {
  for (var i = 0u; i < count; i++) {
    var value: f32;
    if (i < 4u) {
      value = lo[i];
    } else {
      value = hi[i - 4u];
    }
    storeOutput(t0 + i, row, value);
  }
}
