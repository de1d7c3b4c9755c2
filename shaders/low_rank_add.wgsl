// The up projection of the -lr low-rank branch, added to the Linear's output in place:
//   y[row, col] += sum_j t[row, j] * up[col, j]        t = x down^T [m, rank] (MatmulF32Kernel), up f16 [n, rank]
// up holds binary16 bit patterns, two per u32 word (element e in the low half when e is even), read with
// unpack2x16float (no shader-f16 feature needed). One invocation per output element: rank is small (<= 64 in
// practice), so each invocation's loop is short and the branch costs (m n rank) multiply-adds next to the
// residual matmul's (m n K).

struct Params {
  count: u32,
  n: u32,
  rank: u32,
  pad: u32,
}

override WORKGROUP_SIZE: u32 = 256u;

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> t: array<f32>;
@group(0) @binding(2) var<storage, read> up: array<u32>;
@group(0) @binding(3) var<storage, read_write> y: array<f32>;

fn upAt(e: u32) -> f32 {
  let pair = unpack2x16float(up[e >> 1u]);
  return select(pair.x, pair.y, (e & 1u) == 1u);
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) groups: vec3u) {
  let i = gid.x + gid.y * groups.x * WORKGROUP_SIZE;
  if (i >= params.count) {
    return;
  }
  let row = i / params.n;
  let col = i - row * params.n;
  var acc = 0.0;
  for (var j = 0u; j < params.rank; j++) {
    acc += t[row * params.rank + j] * upAt(col * params.rank + j);
  }
  y[i] = y[i] + acc;
}
