// Tiled GEMM on plain f32 weights W [N, K] (PyTorch Linear layout): Y[m, n] = sum_k X[m, k] * W[n, k] + bias[n].
// The full-precision model path and the baseline the quantized kernels are measured against.
// Source order (src/kernels/shaderSource.ts): this file, shaders/common/activation_input.wgsl (binding 4, the x
// input; X_F16 stays false here), shaders/common/tiled_gemm.wgsl (bindings 5-6, tile overrides, entry point).

struct MatmulShape {
  rows: u32,    // N
  cols: u32,    // K
  m: u32,       // M
  hasBias: u32,
}

@group(0) @binding(0) var<uniform> shape: MatmulShape;
@group(0) @binding(1) var<storage, read> weight: array<f32>; // [N, K]

// Consecutive invocations load consecutive k of a W row (coalesced), stored transposed as wTile[k][n].
fn loadWeightTile(n0: u32, k0: u32, localIndex: u32) {
  for (var e = localIndex; e < TILE_N * TILE_K; e += GEMM_THREADS) {
    let nn = e / TILE_K;
    let k = k0 + e % TILE_K;
    var value = 0.0;
    if (n0 + nn < shape.rows && k < shape.cols) {
      value = weight[(n0 + nn) * shape.cols + k];
    }
    wTile[(e % TILE_K) * TILE_N + nn] = value;
  }
}
