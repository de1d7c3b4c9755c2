// Matmul on plain f32 weights W [N, K] for a few to a few dozen tokens, without workgroup memory or barriers
// (variant 'gemm-rows', for CPU adapters): y[t, n] = sum_k x[t, k] * W[n, k] + bias[n]. The f32 twin of
// qgemm_rows.wgsl, built the same way (one output column and TOKENS tokens per invocation, four k at a time), so
// that the quantized kernel is compared with an f32 kernel of the same design. Grid: x = ceil(N / 64),
// y = ceil(m / TOKENS).

struct MatmulShape {
  rows: u32,    // N
  cols: u32,    // K
  m: u32,       // tokens
  hasBias: u32,
}

override ROWS_WORKGROUP_SIZE: u32 = 64u;
override TOKENS: u32 = 8u;

@group(0) @binding(0) var<uniform> shape: MatmulShape;
@group(0) @binding(1) var<storage, read> weight: array<f32>;    // [N, K]
@group(0) @binding(4) var<storage, read> x: array<f32>;         // [m, K]
@group(0) @binding(5) var<storage, read> bias: array<f32>;      // [N] when shape.hasBias == 1
@group(0) @binding(6) var<storage, read_write> y: array<f32>;   // [m, N]

fn x4(i: u32) -> vec4f {
  return vec4f(x[i], x[i + 1u], x[i + 2u], x[i + 3u]);
}

fn tokenBase(t0: u32, i: u32) -> u32 {
  return min(t0 + i, shape.m - 1u) * shape.cols;
}

@compute @workgroup_size(ROWS_WORKGROUP_SIZE)
fn main(@builtin(workgroup_id) workgroup: vec3u, @builtin(local_invocation_index) local: u32) {
  let row = workgroup.x * ROWS_WORKGROUP_SIZE + local;
  let t0 = workgroup.y * TOKENS;
  if (row >= shape.rows) {
    return;
  }
  let K = shape.cols;
  let wBase = row * K;
  let b0 = tokenBase(t0, 0u);
  let b1 = tokenBase(t0, 1u);
  let b2 = tokenBase(t0, 2u);
  let b3 = tokenBase(t0, 3u);
  let b4 = tokenBase(t0, 4u);
  let b5 = tokenBase(t0, 5u);
  let b6 = tokenBase(t0, 6u);
  let b7 = tokenBase(t0, 7u);
  var accLo = vec4f(0.0);
  var accHi = vec4f(0.0);
  let k4 = K & ~3u;
  for (var k = 0u; k < k4; k += 4u) {
    let v = vec4f(weight[wBase + k], weight[wBase + k + 1u], weight[wBase + k + 2u], weight[wBase + k + 3u]);
    accLo += vec4f(dot(v, x4(b0 + k)), dot(v, x4(b1 + k)), dot(v, x4(b2 + k)), dot(v, x4(b3 + k)));
    if (TOKENS == 8u) {
      accHi += vec4f(dot(v, x4(b4 + k)), dot(v, x4(b5 + k)), dot(v, x4(b6 + k)), dot(v, x4(b7 + k)));
    }
  }
  for (var k = k4; k < K; k++) {
    let w = weight[wBase + k];
    accLo += w * vec4f(x[b0 + k], x[b1 + k], x[b2 + k], x[b3 + k]);
    if (TOKENS == 8u) {
      accHi += w * vec4f(x[b4 + k], x[b5 + k], x[b6 + k], x[b7 + k]);
    }
  }
  var b = 0.0;
  if (shape.hasBias == 1u) {
    b = bias[row];
  }
  let count = min(TOKENS, shape.m - t0);
  for (var i = 0u; i < count; i++) {
    var value: f32;
    if (i < 4u) {
      value = accLo[i];
    } else {
      value = accHi[i - 4u];
    }
    y[(t0 + i) * shape.rows + row] = value + b;
  }
}
