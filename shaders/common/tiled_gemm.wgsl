// Tiled GEMM ('gemm'), one body for every weight source, assembled by src/kernels/shaderSource.ts:
//   Y[m, n] = sum_k X[m, k] * W[n, k] + bias[n]
// In front: shaders/common/matmul_shape.wgsl (`shape`), the weight source, its tile load (packed_tile.wgsl or
// dense_tile.wgsl: `fn loadWeightTile(n0: u32, k0: u32, localIndex: u32)` fills wTile[k][n] with W[n0 + n, k0 + k],
// 0 out of range; for packed weights that is where a W tile is dequantised into workgroup memory, once, and then
// reused by all TILE_M tokens of the tile), shaders/common/activation_input.wgsl (xAt reads f32 or f16 X) and
// shaders/common/matmul_output.wgsl (bias, y).
//
// A workgroup of THREADS_N x THREADS_M invocations computes a TILE_M x TILE_N tile of Y; each invocation owns a
// MICRO x MICRO block whose rows and columns are THREADS_M / THREADS_N apart, so that neighbouring invocations
// read neighbouring workgroup-memory words in the inner loop. Out-of-range X and W elements are loaded as 0, so
// no shape needs to be a multiple of a tile.

const MICRO: u32 = 4u;
override THREADS_M: u32 = 16u;
override THREADS_N: u32 = 16u;
override TILE_K: u32 = 16u;
override TILE_M: u32 = THREADS_M * MICRO;
override TILE_N: u32 = THREADS_N * MICRO;
override GEMM_THREADS: u32 = THREADS_M * THREADS_N;

var<workgroup> xTile: array<f32, TILE_K * TILE_M>; // [k][m]
var<workgroup> wTile: array<f32, TILE_K * TILE_N>; // [k][n]

@compute @workgroup_size(THREADS_N, THREADS_M)
fn main(
  @builtin(workgroup_id) workgroup: vec3u,
  @builtin(local_invocation_id) local: vec3u,
  @builtin(local_invocation_index) localIndex: u32,
) {
  let n0 = workgroup.x * TILE_N;
  let m0 = workgroup.y * TILE_M;
  let K = shape.cols;
  // accI[j]: row m0 + local.y + I * THREADS_M, column n0 + local.x + j * THREADS_N. Four named vectors rather
  // than an array: SwiftShader spends seconds compiling the array form and may keep it in memory.
  var acc0 = vec4f(0.0);
  var acc1 = vec4f(0.0);
  var acc2 = vec4f(0.0);
  var acc3 = vec4f(0.0);

  for (var k0 = 0u; k0 < K; k0 += TILE_K) {
    // Consecutive invocations load consecutive k: coalesced reads of X rows and of packed W rows.
    for (var e = localIndex; e < TILE_M * TILE_K; e += GEMM_THREADS) {
      let mm = e / TILE_K;
      let k = k0 + e % TILE_K;
      var value = 0.0;
      if (m0 + mm < shape.m && k < K) {
        value = xAt((m0 + mm) * xRowStride() + k);
      }
      xTile[(e % TILE_K) * TILE_M + mm] = value;
    }
    loadWeightTile(n0, k0, localIndex);
    workgroupBarrier();

    // A runtime trip count (the last tile is shorter) also keeps shader compilers from unrolling this loop
    // TILE_K times: fully unrolled, SwiftShader took seconds per pipeline.
    let kCount = min(TILE_K, K - k0);
    for (var kk = 0u; kk < kCount; kk++) {
      let w = vec4f(
        wTile[kk * TILE_N + local.x],
        wTile[kk * TILE_N + local.x + THREADS_N],
        wTile[kk * TILE_N + local.x + 2u * THREADS_N],
        wTile[kk * TILE_N + local.x + 3u * THREADS_N],
      );
      let xRow = kk * TILE_M + local.y;
      acc0 += xTile[xRow] * w;
      acc1 += xTile[xRow + THREADS_M] * w;
      acc2 += xTile[xRow + 2u * THREADS_M] * w;
      acc3 += xTile[xRow + 3u * THREADS_M] * w;
    }
    workgroupBarrier();
  }

  storeRow(m0 + local.y, n0 + local.x, acc0);
  storeRow(m0 + local.y + THREADS_M, n0 + local.x, acc1);
  storeRow(m0 + local.y + 2u * THREADS_M, n0 + local.x, acc2);
  storeRow(m0 + local.y + 3u * THREADS_M, n0 + local.x, acc3);
}

// Writes the MICRO outputs of row m at columns n, n + THREADS_N, ... (those in range), adding the bias.
fn storeRow(m: u32, n: u32, values: vec4f) {
  if (m >= shape.m) {
    return;
  }
  for (var j = 0u; j < MICRO; j++) {
    let column = n + j * THREADS_N;
    if (column < shape.rows) {
      storeOutput(m, column, values[j]);
    }
  }
}
