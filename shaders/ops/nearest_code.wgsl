// Nearest codebook entry: for each feature row z [C] of features [N, C], the index v minimising |z - e_v|^2 over
// codebook [V, C] (the exact squared distance, not the |z|^2 + |e|^2 - 2 z.e expansion; ties go to the lowest
// index, like torch argmin). One workgroup per row: invocations stride over the codes, then a tree reduction
// of (distance, index) pairs.

struct Params {
  rows: u32,
  codes: u32,
  channels: u32,
}

// Must be a power of two (tree reduction).
override WORKGROUP_SIZE: u32 = 256u;

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> features: array<f32>;
@group(0) @binding(2) var<storage, read> codebook: array<f32>;
@group(0) @binding(3) var<storage, read_write> indices: array<u32>;

var<workgroup> bestDistance: array<f32, WORKGROUP_SIZE>;
var<workgroup> bestIndex: array<u32, WORKGROUP_SIZE>;

// (d1, i1) beats (d2, i2): smaller distance, or equal distance and smaller index.
fn better(d1: f32, i1: u32, d2: f32, i2: u32) -> bool {
  return d1 < d2 || (d1 == d2 && i1 < i2);
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) groups: vec3u, @builtin(local_invocation_index) lane: u32) {
  let row = wid.x + wid.y * groups.x;
  if (row >= params.rows) {
    return;
  }
  let C = params.channels;
  let zBase = row * C;
  var best = 3.4e38;
  var bestV = 0xffffffffu;
  for (var v = lane; v < params.codes; v += WORKGROUP_SIZE) {
    var dist = 0.0;
    for (var c = 0u; c < C; c++) {
      let diff = features[zBase + c] - codebook[v * C + c];
      dist += diff * diff;
    }
    // Codes arrive in increasing order per invocation: strict < keeps the first of equal distances.
    if (dist < best) {
      best = dist;
      bestV = v;
    }
  }
  bestDistance[lane] = best;
  bestIndex[lane] = bestV;
  workgroupBarrier();
  for (var stride = WORKGROUP_SIZE / 2u; stride > 0u; stride >>= 1u) {
    if (lane < stride && better(bestDistance[lane + stride], bestIndex[lane + stride], bestDistance[lane], bestIndex[lane])) {
      bestDistance[lane] = bestDistance[lane + stride];
      bestIndex[lane] = bestIndex[lane + stride];
    }
    workgroupBarrier();
  }
  if (lane == 0u) {
    indices[row] = bestIndex[0];
  }
}
