// Embedding lookup: out[i, c] = table[indices[i], c] for indices u32 [count], table [rows, channels].
// An index >= rows is clamped to rows - 1. One invocation per output element.

struct Params {
  count: u32,
  channels: u32,
  tableRows: u32,
}

override WORKGROUP_SIZE: u32 = 256u;

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> indices: array<u32>;
@group(0) @binding(2) var<storage, read> table: array<f32>;
@group(0) @binding(3) var<storage, read_write> out: array<f32>;

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) groups: vec3u) {
  let i = gid.x + gid.y * groups.x * WORKGROUP_SIZE;
  if (i >= params.count) {
    return;
  }
  let row = i / params.channels;
  let c = i - row * params.channels;
  out[i] = table[min(indices[row], params.tableRows - 1u) * params.channels + c];
}
