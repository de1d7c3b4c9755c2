// DiT unpatchify: tokens [B, (H/p)(W/p), p*p*C] -> image [B, C, H, W], token features ordered (ky, kx, c) as
// DiT's final linear produces them (einsum 'nhwpqc->nchpwq'). One invocation per image element.

struct Params {
  count: u32,
  channels: u32,
  height: u32,
  width: u32,
  patchSize: u32,
}

override WORKGROUP_SIZE: u32 = 256u;

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> tokens: array<f32>;
@group(0) @binding(2) var<storage, read_write> image: array<f32>;

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) groups: vec3u) {
  let i = gid.x + gid.y * groups.x * WORKGROUP_SIZE;
  if (i >= params.count) {
    return;
  }
  let p = params.patchSize;
  let C = params.channels;
  let x = i % params.width;
  let y = (i / params.width) % params.height;
  let c = (i / (params.width * params.height)) % C;
  let b = i / (params.width * params.height * C);
  let gridW = params.width / p;
  let token = (b * (params.height / p) + y / p) * gridW + x / p;
  image[i] = tokens[token * p * p * C + ((y % p) * p + x % p) * C + c];
}
