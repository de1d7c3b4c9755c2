// Activation fake quantisation, one workgroup per token with a tree reduction of the row's absmax (variant
// 'workgroup', for GPUs). Prepended: shaders/common/act_quant.wgsl (formats, bindings, fakeQuant). The grid is 2D
// when there are more than 65535 tokens.

// Must be a power of two (tree reduction).
override WORKGROUP_SIZE: u32 = 256u;

var<workgroup> rowMax: array<f32, WORKGROUP_SIZE>;

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(
  @builtin(workgroup_id) workgroup: vec3u,
  @builtin(num_workgroups) workgroups: vec3u,
  @builtin(local_invocation_index) lane: u32,
) {
  let token = workgroup.x + workgroup.y * workgroups.x;
  // A token beyond the end still takes part in the barriers below (they must be reached uniformly).
  let tokenInRange = token < shape.tokens;
  let base = token * shape.cols;

  var scale = shape.tensorScale;
  if (PER_TOKEN) {
    var absmax = 0.0;
    if (tokenInRange) {
      for (var k = lane; k < shape.cols; k += WORKGROUP_SIZE) {
        absmax = max(absmax, abs(inputAt(base + k, k)));
      }
    }
    rowMax[lane] = absmax;
    workgroupBarrier();
    for (var stride = WORKGROUP_SIZE / 2u; stride > 0u; stride >>= 1u) {
      if (lane < stride) {
        rowMax[lane] = max(rowMax[lane], rowMax[lane + stride]);
      }
      workgroupBarrier();
    }
    scale = divideByQmax(rowMax[0]);
  }
  if (!tokenInRange) {
    return;
  }
  for (var k = lane; k < shape.cols; k += WORKGROUP_SIZE) {
    var result = 0.0;
    if (scale > 0.0) {
      result = fakeQuant(inputAt(base + k, k), scale);
    }
    y[base + k] = result;
  }
}
