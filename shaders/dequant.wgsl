// Dequantises a packed weight to f32 [rows, cols], bit-identical to dequantizeWeight() in src/quant.
// Prepended: shaders/common/matmul_shape.wgsl (binding 0) and shaders/common/packed_weight.wgsl (bindings 1-3,
// format overrides, weightAt).
// One invocation per output element; the grid is 2D when rows * cols needs more than 65535 workgroups.

override WORKGROUP_SIZE: u32 = 256u;

@group(0) @binding(4) var<storage, read_write> output: array<f32>;

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(
  @builtin(workgroup_id) workgroup: vec3u,
  @builtin(num_workgroups) workgroups: vec3u,
  @builtin(local_invocation_index) lane: u32,
) {
  let index = linearWorkgroup(workgroup, workgroups) * WORKGROUP_SIZE + lane;
  if (index >= shape.rows * shape.cols) {
    return;
  }
  let row = index / shape.cols;
  let k = index - row * shape.cols;
  output[index] = weightAt(row, k);
}
