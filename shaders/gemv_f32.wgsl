// Matrix-vector product on plain f32 weights W [N, K] for few tokens: y[t, n] = sum_k x[t, k] * W[n, k] + bias[n].
// The f32 baseline of qgemv.wgsl, built the same way: a workgroup computes ROWS_PER_WORKGROUP outputs,
// THREADS_PER_ROW invocations stride over a row's K (neighbouring invocations read neighbouring floats, so a
// row is read in coalesced runs), and partial sums meet in a workgroup-memory tree reduction. Tokens are the
// second grid dimension.

struct MatmulShape {
  rows: u32,    // N
  cols: u32,    // K
  m: u32,       // tokens
  hasBias: u32,
}

// Must be a power of two (tree reduction).
override THREADS_PER_ROW: u32 = 32u;
override ROWS_PER_WORKGROUP: u32 = 4u;
override WORKGROUP_SIZE: u32 = THREADS_PER_ROW * ROWS_PER_WORKGROUP;

@group(0) @binding(0) var<uniform> shape: MatmulShape;
@group(0) @binding(1) var<storage, read> weight: array<f32>;    // [N, K]
@group(0) @binding(4) var<storage, read> x: array<f32>;         // [m, K]
@group(0) @binding(5) var<storage, read> bias: array<f32>;      // [N] when shape.hasBias == 1
@group(0) @binding(6) var<storage, read_write> y: array<f32>;   // [m, N]

var<workgroup> partial: array<f32, WORKGROUP_SIZE>;

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(workgroup_id) workgroup: vec3u, @builtin(local_invocation_index) local: u32) {
  let lane = local % THREADS_PER_ROW;
  let slot = local / THREADS_PER_ROW;
  let row = workgroup.x * ROWS_PER_WORKGROUP + slot;
  let token = workgroup.y;
  let K = shape.cols;

  var acc = 0.0;
  if (row < shape.rows) {
    let wBase = row * K;
    let xBase = token * K;
    for (var k = lane; k < K; k += THREADS_PER_ROW) {
      acc += x[xBase + k] * weight[wBase + k];
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
