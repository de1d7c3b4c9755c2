// Matrix-vector product, split-K with a subgroup reduction (variant 'gemv-subgroup', for GPUs with the `subgroups`
// feature; `enable subgroups;` is put first by src/kernels/shaderSource.ts): y[t, n] = sum_k x[t, k] * W[n, k] +
// bias[n], for packed or dense weights. In front: as gemv_rows.wgsl.
//
// A workgroup computes SUBGROUP_ROWS (4) neighbouring outputs of one token. Every invocation takes the 32-code
// blocks local, local + SUBGROUP_WORKGROUP_SIZE, ... of all four rows (neighbouring invocations read neighbouring
// 16-byte runs of a row: coalesced) and keeps the four sums in one vec4. subgroupAdd sums them within each
// subgroup whatever its size; each subgroup's first invocation claims a slot with an atomic counter (no
// assumption about how invocations map to subgroups) and lane 0 adds the slots after one barrier.

override SUBGROUP_WORKGROUP_SIZE: u32 = 64u;
const SUBGROUP_ROWS: u32 = 4u;

var<workgroup> subgroupSums: array<vec4f, SUBGROUP_WORKGROUP_SIZE>; // at most one per subgroup
var<workgroup> subgroupCount: atomic<u32>;

@compute @workgroup_size(SUBGROUP_WORKGROUP_SIZE)
fn main(
  @builtin(workgroup_id) workgroup: vec3u,
  @builtin(local_invocation_index) local: u32,
  @builtin(subgroup_invocation_id) subgroupLane: u32,
) {
  let row0 = workgroup.x * SUBGROUP_ROWS;
  let token = workgroup.y;
  let xBase = token * xRowStride();

  var acc = vec4f(0.0);
  for (var r = 0u; r < SUBGROUP_ROWS; r++) {
    let row = row0 + r;
    if (row < shape.rows) {
      acc[r] = laneRowDot(row, xBase, local, SUBGROUP_WORKGROUP_SIZE);
    }
  }

  let total = subgroupAdd(acc);
  if (subgroupLane == 0u) {
    subgroupSums[atomicAdd(&subgroupCount, 1u)] = total;
  }
  workgroupBarrier();
  if (local == 0u) {
    let count = atomicLoad(&subgroupCount);
    var result = vec4f(0.0);
    for (var i = 0u; i < count; i++) {
      result += subgroupSums[i];
    }
    for (var r = 0u; r < SUBGROUP_ROWS; r++) {
      let row = row0 + r;
      if (row < shape.rows) {
        storeOutput(token, row, result[r]);
      }
    }
  }
}
