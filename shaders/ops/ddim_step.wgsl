// One DDIM step of DiT's sampler, in place on x [B, sampleSize]:
//   x0   = sqrtRecipAlphaCumprod * x - sqrtRecipm1AlphaCumprod * eps
//   eps' = (sqrtRecipAlphaCumprod * x - x0) / sqrtRecipm1AlphaCumprod      (re-derived, as the reference sampler does)
//   x    = x0 * sqrtAlphaCumprodPrev + directionCoef * eps' + noiseScale * noise     (noiseScale = sigma; 0 for eta 0)
// eps element (b, i) lives at epsOffset + b * epsBatchStride + i. One invocation per element.

struct Params {
  batch: u32,
  sampleSize: u32,
  epsOffset: u32,
  epsBatchStride: u32,
  sqrtRecipAlphaCumprod: f32,
  sqrtRecipm1AlphaCumprod: f32,
  sqrtAlphaCumprodPrev: f32,
  directionCoef: f32,
  noiseScale: f32,
}

override WORKGROUP_SIZE: u32 = 256u;

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> eps: array<f32>;
@group(0) @binding(2) var<storage, read> noise: array<f32>;
@group(0) @binding(3) var<storage, read_write> x: array<f32>;

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) groups: vec3u) {
  let i = gid.x + gid.y * groups.x * WORKGROUP_SIZE;
  if (i >= params.batch * params.sampleSize) {
    return;
  }
  let b = i / params.sampleSize;
  let xt = x[i];
  let e = eps[params.epsOffset + b * params.epsBatchStride + (i - b * params.sampleSize)];
  let scaledX = params.sqrtRecipAlphaCumprod * xt;
  let x0 = scaledX - params.sqrtRecipm1AlphaCumprod * e;
  let epsAgain = (scaledX - x0) / params.sqrtRecipm1AlphaCumprod;
  var next = x0 * params.sqrtAlphaCumprodPrev + params.directionCoef * epsAgain;
  if (params.noiseScale != 0.0) {
    next += params.noiseScale * noise[i];
  }
  x[i] = next;
}
