// Codebook lookup into a latent map: h[b, c, y, x] = codebook[indices[b, y*side + x], c].
// indices [B, side*side] u32, codebook [V, C], h [B, C, side, side]. An index >= V is clamped to V-1 (the GPU
// cannot report it; the sampler never produces one). One invocation per output element.

struct Params {
  count: u32,
  channels: u32,
  cells: u32,
  codes: u32,
}

override WORKGROUP_SIZE: u32 = 256u;

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> indices: array<u32>;
@group(0) @binding(2) var<storage, read> codebook: array<f32>;
@group(0) @binding(3) var<storage, read_write> h: array<f32>;

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) groups: vec3u) {
  let i = gid.x + gid.y * groups.x * WORKGROUP_SIZE;
  if (i >= params.count) {
    return;
  }
  let cell = i % params.cells;
  let plane = i / params.cells;
  let c = plane % params.channels;
  let b = plane / params.channels;
  let code = min(indices[b * params.cells + cell], params.codes - 1u);
  h[i] = codebook[code * params.channels + c];
}
