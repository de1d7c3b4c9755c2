// Activation fake quantisation without workgroup memory or barriers (variant 'rows', for CPU adapters such as
// SwiftShader, where each barrier switches every fibre of a workgroup). Prepended: shaders/common/act_quant.wgsl.
// Invocation i quantises columns [c * CHUNK, (c + 1) * CHUNK) of token t (i = t * chunksPerRow + c); each first
// takes the absmax of its token's whole row itself (cols / CHUNK invocations repeat that read, a cheap max over
// values in cache), so the scale, and every output, is bit for bit the one of the workgroup variant. The grid is
// 2D when there are more than 65535 workgroups.

override ROWS_WORKGROUP_SIZE: u32 = 64u;
override CHUNK: u32 = 64u;

@compute @workgroup_size(ROWS_WORKGROUP_SIZE)
fn main(
  @builtin(workgroup_id) workgroup: vec3u,
  @builtin(num_workgroups) workgroups: vec3u,
  @builtin(local_invocation_index) lane: u32,
) {
  let invocation = (workgroup.x + workgroup.y * workgroups.x) * ROWS_WORKGROUP_SIZE + lane;
  let chunksPerRow = (shape.cols + CHUNK - 1u) / CHUNK;
  let token = invocation / chunksPerRow;
  if (token >= shape.tokens) {
    return;
  }
  let base = token * shape.cols;
  let scale = rowScale(base);
  let first = (invocation % chunksPerRow) * CHUNK;
  let end = min(first + CHUNK, shape.cols);
  for (var k = first; k < end; k++) {
    var result = 0.0;
    if (scale > 0.0) {
      result = fakeQuant(inputAt(base + k, k), scale);
    }
    y[base + k] = result;
  }
}
