// Area resize of maps [B, C, inH, inW] = F.interpolate(mode='area') = adaptive_avg_pool2d: output cell (oy, ox)
// averages input rows floor(oy*inH/outH) .. ceil((oy+1)*inH/outH) - 1 and the same columns (bins may overlap).
// The output element (b, c, cell) goes to b*outBatchStride + c*outChannelStride + cell*outCellStride, so one
// kernel writes NCHW maps or the tokens [B, outH*outW, C] that VAR's word_embed takes.
// One invocation per output element.

struct Params {
  count: u32,
  channels: u32,
  inH: u32,
  inW: u32,
  outH: u32,
  outW: u32,
  outBatchStride: u32,
  outChannelStride: u32,
  outCellStride: u32,
}

override WORKGROUP_SIZE: u32 = 256u;

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> src: array<f32>;
@group(0) @binding(2) var<storage, read_write> dst: array<f32>;

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) groups: vec3u) {
  let i = gid.x + gid.y * groups.x * WORKGROUP_SIZE;
  if (i >= params.count) {
    return;
  }
  let ox = i % params.outW;
  let oy = (i / params.outW) % params.outH;
  let plane = i / (params.outW * params.outH);
  let c = plane % params.channels;
  let b = plane / params.channels;
  let y0 = (oy * params.inH) / params.outH;
  let y1 = ((oy + 1u) * params.inH + params.outH - 1u) / params.outH;
  let x0 = (ox * params.inW) / params.outW;
  let x1 = ((ox + 1u) * params.inW + params.outW - 1u) / params.outW;
  let base = plane * params.inH * params.inW;
  var sum = 0.0;
  for (var y = y0; y < y1; y++) {
    for (var x = x0; x < x1; x++) {
      sum += src[base + y * params.inW + x];
    }
  }
  let cell = oy * params.outW + ox;
  dst[b * params.outBatchStride + c * params.outChannelStride + cell * params.outCellStride] = sum / f32((y1 - y0) * (x1 - x0));
}
