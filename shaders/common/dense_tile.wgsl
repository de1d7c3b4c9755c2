// The W-tile load of shaders/common/tiled_gemm.wgsl for a dense (f32 or f16) weight: Y[m, n] = sum_k X[m, k] W[n, k]
// + bias[n] with W as stored (shaders/common/dense_weight.wgsl). packed_tile.wgsl is the packed twin, which
// dequantises instead of copying.

// Consecutive invocations load consecutive k of a W row (coalesced), stored transposed as wTile[k][n].
fn loadWeightTile(n0: u32, k0: u32, localIndex: u32) {
  for (var e = localIndex; e < TILE_N * TILE_K; e += GEMM_THREADS) {
    let nn = e / TILE_K;
    let k = k0 + e % TILE_K;
    var value = 0.0;
    if (n0 + nn < shape.rows && k < shape.cols) {
      value = valueAt(n0 + nn, k);
    }
    wTile[(e % TILE_K) * TILE_N + nn] = value;
  }
}
