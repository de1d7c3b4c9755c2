// DiT patchify: image [B, C, H, W] -> tokens [B, (H/p)(W/p), C*p*p], tokens row-major over the patch grid,
// features ordered (c, ky, kx) like a flattened Conv2d weight [D, C, p, p], so a matmul with that weight is the
// patch-embedding conv (kernel = stride = p). One invocation per token element.

struct Params {
  count: u32,
  channels: u32,
  height: u32,
  width: u32,
  patchSize: u32,
}

override WORKGROUP_SIZE: u32 = 256u;

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> image: array<f32>;
@group(0) @binding(2) var<storage, read_write> tokens: array<f32>;

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) groups: vec3u) {
  let i = gid.x + gid.y * groups.x * WORKGROUP_SIZE;
  if (i >= params.count) {
    return;
  }
  let p = params.patchSize;
  let features = params.channels * p * p;
  let token = i / features;
  let f = i - token * features;
  let kx = f % p;
  let ky = (f / p) % p;
  let c = f / (p * p);
  let gridW = params.width / p;
  let tokensPerImage = gridW * (params.height / p);
  let b = token / tokensPerImage;
  let cell = token - b * tokensPerImage;
  let y = (cell / gridW) * p + ky;
  let x = (cell % gridW) * p + kx;
  tokens[i] = image[((b * params.channels + c) * params.height + y) * params.width + x];
}
