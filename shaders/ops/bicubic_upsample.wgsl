// Bicubic resize of maps [planes, inH, inW] -> [planes, outH, outW], exactly as PyTorch's
// F.interpolate(mode='bicubic', align_corners=False): source coordinate s = scale * (d + 0.5) - 0.5 with
// scale = in / out (f32, not clamped), taps floor(s) - 1 .. floor(s) + 2 clamped to [0, in - 1], cubic
// convolution weights with A = -0.75 (upsample_bicubic2d's get_cubic_upsample_coefficients).
// One invocation per output element.

struct Params {
  count: u32,
  inH: u32,
  inW: u32,
  outH: u32,
  outW: u32,
  scaleH: f32,
  scaleW: f32,
}

override WORKGROUP_SIZE: u32 = 256u;

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> src: array<f32>;
@group(0) @binding(2) var<storage, read_write> dst: array<f32>;

const A: f32 = -0.75;

fn cubicNear(x: f32) -> f32 {
  return ((A + 2.0) * x - (A + 3.0)) * x * x + 1.0;
}

fn cubicFar(x: f32) -> f32 {
  return ((A * x - 5.0 * A) * x + 8.0 * A) * x - 4.0 * A;
}

struct Taps {
  index: vec4i,
  weight: vec4f,
}

fn taps(d: u32, scale: f32, inSize: u32) -> Taps {
  let s = scale * (f32(d) + 0.5) - 0.5;
  let base = floor(s);
  let t = s - base;
  let first = i32(base) - 1;
  let last = i32(inSize) - 1;
  var result: Taps;
  result.index = clamp(vec4i(first, first + 1, first + 2, first + 3), vec4i(0), vec4i(last));
  result.weight = vec4f(cubicFar(t + 1.0), cubicNear(t), cubicNear(1.0 - t), cubicFar(2.0 - t));
  return result;
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) groups: vec3u) {
  let i = gid.x + gid.y * groups.x * WORKGROUP_SIZE;
  if (i >= params.count) {
    return;
  }
  let x = i % params.outW;
  let y = (i / params.outW) % params.outH;
  let plane = i / (params.outW * params.outH);
  let rows = taps(y, params.scaleH, params.inH);
  let cols = taps(x, params.scaleW, params.inW);
  let base = plane * params.inH * params.inW;
  var sum = 0.0;
  for (var r = 0; r < 4; r++) {
    let rowBase = base + u32(rows.index[r]) * params.inW;
    let row = vec4f(src[rowBase + u32(cols.index.x)], src[rowBase + u32(cols.index.y)], src[rowBase + u32(cols.index.z)], src[rowBase + u32(cols.index.w)]);
    sum += rows.weight[r] * dot(cols.weight, row);
  }
  dst[i] = sum;
}
