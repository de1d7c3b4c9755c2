// One ancestral DDPM step of DiT's sampler with learned-range variance, in place on x [B, sampleSize]:
//   x0      = sqrtRecipAlphaCumprod * x - sqrtRecipm1AlphaCumprod * eps          (no clipping)
//   frac    = (v + 1) / 2;   logVar = frac * maxLog + (1 - frac) * minLog
//   x       = coef1 * x0 + coef2 * x + noiseScale * exp(logVar / 2) * noise      (noiseScale 0 at the last step)
// eps and v element (b, i) live at offset + b * batchStride + i of their buffers, so v is read straight out of
// the model output [2B, 2C, H, W] (offset C*H*W, stride 2*C*H*W) and eps from the CFG output or the model output.
// Per-step coefficients are uniforms (computed in src/ops/diffusionSchedule.ts). One invocation per element.

struct Params {
  batch: u32,
  sampleSize: u32,
  epsOffset: u32,
  epsBatchStride: u32,
  vOffset: u32,
  vBatchStride: u32,
  sqrtRecipAlphaCumprod: f32,
  sqrtRecipm1AlphaCumprod: f32,
  posteriorMeanCoef1: f32,
  posteriorMeanCoef2: f32,
  minLog: f32,
  maxLog: f32,
  noiseScale: f32,
}

override WORKGROUP_SIZE: u32 = 256u;

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> eps: array<f32>;
@group(0) @binding(2) var<storage, read> v: array<f32>;
@group(0) @binding(3) var<storage, read> noise: array<f32>;
@group(0) @binding(4) var<storage, read_write> x: array<f32>;

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) groups: vec3u) {
  let i = gid.x + gid.y * groups.x * WORKGROUP_SIZE;
  if (i >= params.batch * params.sampleSize) {
    return;
  }
  let b = i / params.sampleSize;
  let within = i - b * params.sampleSize;
  let xt = x[i];
  let e = eps[params.epsOffset + b * params.epsBatchStride + within];
  let frac = (v[params.vOffset + b * params.vBatchStride + within] + 1.0) * 0.5;
  let x0 = params.sqrtRecipAlphaCumprod * xt - params.sqrtRecipm1AlphaCumprod * e;
  let logVar = frac * params.maxLog + (1.0 - frac) * params.minLog;
  var next = params.posteriorMeanCoef1 * x0 + params.posteriorMeanCoef2 * xt;
  if (params.noiseScale != 0.0) {
    next += params.noiseScale * exp(0.5 * logVar) * noise[i];
  }
  x[i] = next;
}
