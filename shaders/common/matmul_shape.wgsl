// The uniform every weight-reading kernel gets (binding 0), whatever stores the weight: shapes of W [N, K] plus the
// per-call extras (m, hasBias). Filled by weightShapeUniform in src/kernels/kernelBase.ts. A dense (f32 or f16)
// weight is one group per row: groupSize = K, groupsPerRow = 1, scaleRowStride = 0.

struct WeightShape {
  rows: u32,            // N, output features
  cols: u32,            // K, input features
  groupSize: u32,
  groupsPerRow: u32,
  wordsPerRow: u32,     // packed weights only
  scaleRowStride: u32,  // groupsPerRow, or 0 for one per-tensor scale
  m: u32,               // tokens (rows of X), matmul kernels only
  hasBias: u32,         // 1 when the bias binding holds N real values
}

@group(0) @binding(0) var<uniform> shape: WeightShape;

// The matmul kernels walk K in blocks of 32 codes: 32 codes of 2, 4 or 8 bits are whole u32 words, and a block lies
// inside one scale group (group sizes are multiples of 32, or K itself).
const BLOCK: u32 = 32u;

// Consecutive full blocks that share one scale group (1 when the group is the whole row and K is not a multiple of
// 32: each block is then scaled on its own, which gives the same sum).
fn blocksPerGroup() -> u32 {
  return select(1u, shape.groupSize / BLOCK, shape.groupSize % BLOCK == 0u && shape.groupSize >= BLOCK);
}

// The kernels that apply a group's scale once walk a row's full blocks in runs that share one scale group: run r
// holds blocks [runBlocks(r).x, runBlocks(r).y), and a row has groupRuns() runs.
fn groupRuns() -> u32 {
  return (shape.cols / BLOCK + blocksPerGroup() - 1u) / blocksPerGroup();
}

fn runBlocks(run: u32) -> vec2u {
  let first = run * blocksPerGroup();
  return vec2u(first, min(first + blocksPerGroup(), shape.cols / BLOCK));
}

// Linear workgroup index for 2D dispatches (a dimension holds at most 65535 workgroups).
fn linearWorkgroup(id: vec3u, count: vec3u) -> u32 {
  return id.x + id.y * count.x;
}
