// Matrix-vector product, split-K with a workgroup-memory reduction (variant 'gemv-splitk': GPUs without subgroups,
// the fallback of gemv_subgroup.wgsl): y[t, n] = sum_k x[t, k] * W[n, k] + bias[n] for few tokens t (one token
// per workgroup row of the grid, so the weights are read once per token: the tiled GEMM serves many tokens).
// In front: as gemv_rows.wgsl.
//
// A workgroup computes ROWS_PER_WORKGROUP outputs; THREADS_PER_ROW invocations share one row and stride over its K
// in blocks of 32 codes (laneRowDot). Partial sums meet in a workgroup-memory tree reduction.

// Must be a power of two (tree reduction).
override THREADS_PER_ROW: u32 = 32u;
override ROWS_PER_WORKGROUP: u32 = 4u;
override WORKGROUP_SIZE: u32 = THREADS_PER_ROW * ROWS_PER_WORKGROUP;

var<workgroup> partial: array<f32, WORKGROUP_SIZE>;

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(workgroup_id) workgroup: vec3u, @builtin(local_invocation_index) local: u32) {
  let lane = local % THREADS_PER_ROW;
  let slot = local / THREADS_PER_ROW;
  let row = workgroup.x * ROWS_PER_WORKGROUP + slot;
  let token = workgroup.y;

  var acc = 0.0;
  if (row < shape.rows) {
    acc = laneRowDot(row, token * xRowStride(), lane, THREADS_PER_ROW);
  }

  partial[local] = acc;
  workgroupBarrier();
  for (var stride = THREADS_PER_ROW / 2u; stride > 0u; stride >>= 1u) {
    if (lane < stride) {
      partial[local] += partial[local + stride];
    }
    workgroupBarrier();
  }
  if (lane == 0u && row < shape.rows) {
    storeOutput(token, row, partial[local]);
  }
}
