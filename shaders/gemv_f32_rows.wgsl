// Matrix-vector product on plain f32 weights W [N, K], one invocation per output (variant 'gemv-rows', for CPU
// adapters): y[t, n] = sum_k x[t, k] * W[n, k] + bias[n]. The f32 twin of qgemv_rows.wgsl, built the same way
// (no workgroup memory, no barrier, a whole row per invocation, four k at a time), so that the quantized kernel is
// compared with an f32 kernel of the same design on the same adapter. Tokens are the second grid dimension.

struct MatmulShape {
  rows: u32,    // N
  cols: u32,    // K
  m: u32,       // tokens
  hasBias: u32,
}

override ROWS_WORKGROUP_SIZE: u32 = 64u;

@group(0) @binding(0) var<uniform> shape: MatmulShape;
@group(0) @binding(1) var<storage, read> weight: array<f32>;    // [N, K]
@group(0) @binding(4) var<storage, read> x: array<f32>;         // [m, K]
@group(0) @binding(5) var<storage, read> bias: array<f32>;      // [N] when shape.hasBias == 1
@group(0) @binding(6) var<storage, read_write> y: array<f32>;   // [m, N]

@compute @workgroup_size(ROWS_WORKGROUP_SIZE)
fn main(@builtin(workgroup_id) workgroup: vec3u, @builtin(local_invocation_index) local: u32) {
  let row = workgroup.x * ROWS_WORKGROUP_SIZE + local;
  let token = workgroup.y;
  if (row >= shape.rows) {
    return;
  }
  let K = shape.cols;
  let wBase = row * K;
  let xBase = token * K;
  var acc = vec4f(0.0);
  let k4 = K & ~3u;
  for (var k = 0u; k < k4; k += 4u) {
    let w = vec4f(weight[wBase + k], weight[wBase + k + 1u], weight[wBase + k + 2u], weight[wBase + k + 3u]);
    let xv = vec4f(x[xBase + k], x[xBase + k + 1u], x[xBase + k + 2u], x[xBase + k + 3u]);
    acc += w * xv;
  }
  var result = (acc.x + acc.y) + (acc.z + acc.w);
  for (var k = k4; k < K; k++) {
    result += weight[wBase + k] * x[xBase + k];
  }
  if (shape.hasBias == 1u) {
    result += bias[row];
  }
  y[token * shape.rows + row] = result;
}
