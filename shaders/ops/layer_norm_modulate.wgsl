// LayerNorm without affine weights over each row of x [rows, channels], fused with adaLN modulation:
//   y = (x - mean) / sqrt(var + eps) * (1 + scale[sample]) + shift[sample]      (HAS_MODULATION)
//   y = (x - mean) / sqrt(var + eps)                                             (otherwise)
// One workgroup per row. Two passes over the row (mean, then squared deviations) keep the variance accurate
// when |mean| >> std, as torch's Welford does; var is the biased variance, as in F.layer_norm.
// Row r belongs to sample r / tokensPerSample; that sample's scale vector starts at
// scaleOffset + sample * modStride of `modulation` (likewise shift), so a model's whole adaLN output can be bound.

struct Params {
  rows: u32,
  channels: u32,
  tokensPerSample: u32,
  modStride: u32,
  scaleOffset: u32,
  shiftOffset: u32,
  eps: f32,
}

// Must be a power of two (tree reduction).
override WORKGROUP_SIZE: u32 = 256u;
override HAS_MODULATION: bool = true;

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> modulation: array<f32>;
@group(0) @binding(3) var<storage, read_write> y: array<f32>;

var<workgroup> partial: array<f32, WORKGROUP_SIZE>;

fn workgroupSum(value: f32, lane: u32) -> f32 {
  partial[lane] = value;
  workgroupBarrier();
  for (var stride = WORKGROUP_SIZE / 2u; stride > 0u; stride >>= 1u) {
    if (lane < stride) {
      partial[lane] += partial[lane + stride];
    }
    workgroupBarrier();
  }
  let total = partial[0];
  // Nobody may overwrite partial[0] (next call) before every lane has read it.
  workgroupBarrier();
  return total;
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) groups: vec3u, @builtin(local_invocation_index) lane: u32) {
  let row = wid.x + wid.y * groups.x;
  if (row >= params.rows) {
    return;
  }
  let channels = params.channels;
  let base = row * channels;

  var sum = 0.0;
  for (var c = lane; c < channels; c += WORKGROUP_SIZE) {
    sum += x[base + c];
  }
  let mean = workgroupSum(sum, lane) / f32(channels);

  var squares = 0.0;
  for (var c = lane; c < channels; c += WORKGROUP_SIZE) {
    let d = x[base + c] - mean;
    squares += d * d;
  }
  let invStd = inverseSqrt(workgroupSum(squares, lane) / f32(channels) + params.eps);

  let sampleBase = (row / params.tokensPerSample) * params.modStride;
  for (var c = lane; c < channels; c += WORKGROUP_SIZE) {
    var v = (x[base + c] - mean) * invStd;
    if (HAS_MODULATION) {
      v = v * (1.0 + modulation[params.scaleOffset + sampleBase + c]) + modulation[params.shiftOffset + sampleBase + c];
    }
    y[base + c] = v;
  }
}
