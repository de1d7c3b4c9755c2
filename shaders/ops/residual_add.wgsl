// In-place residual add on x [rows, channels]:
//   x += gate[sample] * y      (HAS_GATE; sample = row / tokensPerSample, gate vector at gateOffset + sample * gateStride)
//   x += y                     (otherwise)
// One invocation per element.

struct Params {
  count: u32,
  channels: u32,
  tokensPerSample: u32,
  gateStride: u32,
  gateOffset: u32,
}

override WORKGROUP_SIZE: u32 = 256u;
override HAS_GATE: bool = true;

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> y: array<f32>;
@group(0) @binding(2) var<storage, read> gate: array<f32>;
@group(0) @binding(3) var<storage, read_write> x: array<f32>;

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) groups: vec3u) {
  let i = gid.x + gid.y * groups.x * WORKGROUP_SIZE;
  if (i >= params.count) {
    return;
  }
  var g = 1.0;
  if (HAS_GATE) {
    let row = i / params.channels;
    let c = i - row * params.channels;
    g = gate[params.gateOffset + (row / params.tokensPerSample) * params.gateStride + c];
  }
  x[i] = x[i] + g * y[i];
}
