// Classifier-free guidance over a batch whose first half is conditional and second half unconditional:
//   FORMULA 0 (VAR logits):  out = (1 + t) * cond - t * uncond     weightA = 1 + t, weightB = t
//   FORMULA 1 (DiT eps):     out = uncond + s * (cond - uncond)    weightA = s
// Row r (of `rows`, each rowLength values) reads cond at r*inputStride and uncond at uncondOffset + r*inputStride,
// so DiT's eps channels are taken straight out of the model output [2B, 2C, H, W] (inputStride = 2CHW,
// rowLength = CHW) and VAR's logits [2B*L, V] are rows of V. Output rows are contiguous.

struct Params {
  rows: u32,
  rowLength: u32,
  inputStride: u32,
  uncondOffset: u32,
  weightA: f32,
  weightB: f32,
}

override WORKGROUP_SIZE: u32 = 256u;
override FORMULA: u32 = 0u;

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> src: array<f32>;
@group(0) @binding(2) var<storage, read_write> dst: array<f32>;

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) groups: vec3u) {
  let i = gid.x + gid.y * groups.x * WORKGROUP_SIZE;
  if (i >= params.rows * params.rowLength) {
    return;
  }
  let row = i / params.rowLength;
  let at = row * params.inputStride + (i - row * params.rowLength);
  let cond = src[at];
  let uncond = src[params.uncondOffset + at];
  if (FORMULA == 0u) {
    dst[i] = params.weightA * cond - params.weightB * uncond;
  } else {
    dst[i] = uncond + params.weightA * (cond - uncond);
  }
}
