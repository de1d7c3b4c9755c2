// Fused dequantise + matrix-vector product, split-K with a workgroup-memory reduction (variant 'gemv-splitk', the
// fallback of qgemv_subgroup.wgsl on GPUs without subgroups): y[t, n] = sum_k x[t, k] * W[n, k] + bias[n], for
// few tokens t (one token per workgroup row of the grid, so the weights are decoded once per token: use
// qgemm.wgsl for many tokens). Prepended: shaders/common/packed_weight.wgsl (bindings 0-3, format overrides,
// decode), shaders/common/activation_input.wgsl (binding 4: X in f32 or f16 storage, read with xAt) and
// shaders/common/qgemv_blocks.wgsl (block decode and dot products).
//
// A workgroup computes ROWS_PER_WORKGROUP outputs; THREADS_PER_ROW invocations share one row and stride over
// its K in blocks of 32 codes. Partial sums meet in a workgroup-memory tree reduction.

// Must be a power of two (tree reduction).
override THREADS_PER_ROW: u32 = 32u;
override ROWS_PER_WORKGROUP: u32 = 4u;
override WORKGROUP_SIZE: u32 = THREADS_PER_ROW * ROWS_PER_WORKGROUP;

@group(0) @binding(5) var<storage, read> bias: array<f32>;      // [N] when shape.hasBias == 1
@group(0) @binding(6) var<storage, read_write> y: array<f32>;   // [m, N]

var<workgroup> partial: array<f32, WORKGROUP_SIZE>;

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(workgroup_id) workgroup: vec3u, @builtin(local_invocation_index) local: u32) {
  let lane = local % THREADS_PER_ROW;
  let slot = local / THREADS_PER_ROW;
  let row = workgroup.x * ROWS_PER_WORKGROUP + slot;
  let token = workgroup.y;
  let xBase = token * xRowStride();

  var acc = 0.0;
  if (row < shape.rows) {
    let fullBlocks = shape.cols / BLOCK;
    for (var block = lane; block < fullBlocks; block += THREADS_PER_ROW) {
      acc += scaledBlockSum(row, block * BLOCK, blockDot(row, xBase, block));
    }
    // The partial block goes to the lane whose turn it would be, which has one block fewer than lane 0 or none.
    if (shape.cols % BLOCK != 0u && lane == fullBlocks % THREADS_PER_ROW) {
      acc += scaledBlockSum(row, fullBlocks * BLOCK, tailDot(row, xBase, fullBlocks));
    }
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
    var result = partial[local];
    if (shape.hasBias == 1u) {
      result += bias[row];
    }
    y[token * shape.rows + row] = result;
  }
}
