// VAR's residual quantiser conv Phi, fused with the f_hat update:
//   phi(h) = (1 - ratio) * h + ratio * (conv3x3(h) + bias)       (zero padding 1, weight [C, C, 3, 3] torch layout)
//   fHat = fHat + phi(h)     (ACCUMULATE)      fHat = phi(h)     (otherwise)
// on maps [B, C, H, W]. One invocation per output element walks C input channels x 9 taps.

struct Params {
  count: u32,
  channels: u32,
  height: u32,
  width: u32,
  ratio: f32,
}

override WORKGROUP_SIZE: u32 = 64u;
override ACCUMULATE: bool = true;

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> h: array<f32>;
@group(0) @binding(2) var<storage, read> weight: array<f32>;
@group(0) @binding(3) var<storage, read> bias: array<f32>;
@group(0) @binding(4) var<storage, read_write> fHat: array<f32>;

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) groups: vec3u) {
  let i = gid.x + gid.y * groups.x * WORKGROUP_SIZE;
  if (i >= params.count) {
    return;
  }
  let H = params.height;
  let W = params.width;
  let C = params.channels;
  let x = i % W;
  let y = (i / W) % H;
  let co = (i / (W * H)) % C;
  let b = i / (W * H * C);

  var conv = bias[co];
  for (var ci = 0u; ci < C; ci++) {
    let plane = (b * C + ci) * H;
    let wBase = (co * C + ci) * 9u;
    for (var ky = 0u; ky < 3u; ky++) {
      // y + ky - 1 in unsigned arithmetic: row 0's upper tap wraps to a huge value and fails the bound check.
      let yy = y + ky - 1u;
      if (yy >= H) {
        continue;
      }
      for (var kx = 0u; kx < 3u; kx++) {
        let xx = x + kx - 1u;
        if (xx >= W) {
          continue;
        }
        conv += weight[wBase + ky * 3u + kx] * h[(plane + yy) * W + xx];
      }
    }
  }
  let phi = (1.0 - params.ratio) * h[i] + params.ratio * conv;
  if (ACCUMULATE) {
    fHat[i] = fHat[i] + phi;
  } else {
    fHat[i] = phi;
  }
}
