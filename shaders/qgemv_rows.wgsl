// Fused dequantise + matrix-vector product, one invocation per output (variant 'gemv-rows', for CPU adapters such
// as SwiftShader): y[t, n] = sum_k x[t, k] * W[n, k] + bias[n]. Prepended: shaders/common/packed_weight.wgsl
// (bindings 0-3, format overrides, decode), shaders/common/activation_input.wgsl (binding 4: X in f32 or f16
// storage) and shaders/common/qgemv_blocks.wgsl (rowDot: whole u32 words decoded at a time, one scale per block).
//
// No workgroup memory and no barrier: on a CPU adapter invocations run as SIMD lanes of fibres, and each barrier
// switches every fibre of the workgroup, which cost more than the arithmetic in the split-K kernels (qgemv.wgsl).
// Each invocation walks a whole row; neighbouring invocations take neighbouring rows (uncoalesced on a GPU, which
// is why GPUs get qgemv_subgroup.wgsl or qgemv.wgsl instead). Tokens are the second grid dimension.

override ROWS_WORKGROUP_SIZE: u32 = 64u;

@group(0) @binding(5) var<storage, read> bias: array<f32>;      // [N] when shape.hasBias == 1
@group(0) @binding(6) var<storage, read_write> y: array<f32>;   // [m, N]

@compute @workgroup_size(ROWS_WORKGROUP_SIZE)
fn main(@builtin(workgroup_id) workgroup: vec3u, @builtin(local_invocation_index) local: u32) {
  let row = workgroup.x * ROWS_WORKGROUP_SIZE + local;
  let token = workgroup.y;
  if (row >= shape.rows) {
    return;
  }
  var result = rowDot(row, token * xRowStride());
  if (shape.hasBias == 1u) {
    result += bias[row];
  }
  y[token * shape.rows + row] = result;
}
