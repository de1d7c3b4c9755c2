// Matrix-vector product, one invocation per output (variant 'gemv-rows', for CPU adapters such as SwiftShader):
// y[t, n] = sum_k x[t, k] * W[n, k] + bias[n], for packed or dense weights alike. In front (src/kernels/
// shaderSource.ts): shaders/common/matmul_shape.wgsl, the weight source, shaders/common/activation_input.wgsl,
// shaders/common/block_sums.wgsl (rowDot: whole u32 words decoded at a time, one scale per group) and
// shaders/common/matmul_output.wgsl.
//
// No workgroup memory and no barrier: on a CPU adapter invocations run as SIMD lanes of fibres, and each barrier
// switches every fibre of the workgroup, which cost more than the arithmetic in the split-K kernels. Each
// invocation walks a whole row; neighbouring invocations take neighbouring rows (uncoalesced on a GPU, which is why
// GPUs get gemv_subgroup.wgsl or gemv_splitk.wgsl instead). Tokens are the second grid dimension.

override ROWS_WORKGROUP_SIZE: u32 = 64u;

@compute @workgroup_size(ROWS_WORKGROUP_SIZE)
fn main(@builtin(workgroup_id) workgroup: vec3u, @builtin(local_invocation_index) local: u32) {
  let row = workgroup.x * ROWS_WORKGROUP_SIZE + local;
  let token = workgroup.y;
  if (row >= shape.rows) {
    return;
  }
  storeOutput(token, row, rowDot(row, token * xRowStride()));
}
