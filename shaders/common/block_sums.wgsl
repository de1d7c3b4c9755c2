// Row dot products of W with X over 32-code blocks, written once for every weight source: the GEMV kernels
// (gemv_rows.wgsl, gemv_splitk.wgsl, gemv_subgroup.wgsl) on packed or dense weights. Needs, in front:
// shaders/common/matmul_shape.wgsl (shape, BLOCK, blocksPerGroup), a weight source (packed_weight.wgsl +
// packed_blocks.wgsl, or dense_weight.wgsl: blockDot, valueAt, groupIndex, scaleAt, offsetAt, HAS_OFFSET) and
// shaders/common/activation_input.wgsl (xAt).
//
// Per block: s * (x . v) + o * sum(x), the group's scale and offset applied once per run of blocks of one group
// (a dense weight has scale 1 and no offset, so there it is the plain dot product).

// The same as blockDot for the last, partial block (K % 32 codes), one code at a time.
fn tailDot(row: u32, xBase: u32, block: u32) -> vec2f {
  var acc = 0.0;
  var xSum = 0.0;
  for (var k = block * BLOCK; k < shape.cols; k++) {
    let xv = xAt(xBase + k);
    acc += xv * valueAt(row, k);
    if (HAS_OFFSET) {
      xSum += xv;
    }
  }
  return vec2f(acc, xSum);
}

// s * (x . v) + o * sum(x) for the block starting at column k0 (the offset term only for asymmetric formats:
// written out so that no compiler has to prove that sums.y * 0.0 may be dropped).
fn scaledBlockSum(row: u32, k0: u32, sums: vec2f) -> f32 {
  let group = groupIndex(row, k0);
  var result = sums.x * scaleAt(group);
  if (HAS_OFFSET) {
    result += sums.y * offsetAt(group);
  }
  return result;
}

// The whole row for the token whose X row starts at xBase (one invocation per output: 'gemv-rows'). The blocks of
// one scale group are summed first and scaled once.
fn rowDot(row: u32, xBase: u32) -> f32 {
  let fullBlocks = shape.cols / BLOCK;
  var acc = 0.0;
  let runs = groupRuns();
  for (var run = 0u; run < runs; run++) {
    let blocks = runBlocks(run);
    var sums = vec2f(0.0);
    for (var block = blocks.x; block < blocks.y; block++) {
      sums += blockDot(row, xBase, block);
    }
    acc += scaledBlockSum(row, blocks.x * BLOCK, sums);
  }
  if (shape.cols % BLOCK != 0u) {
    acc += scaledBlockSum(row, fullBlocks * BLOCK, tailDot(row, xBase, fullBlocks));
  }
  return acc;
}

// One lane's share of a row split over `lanes` invocations (split-K GEMVs): blocks lane, lane + lanes, ..., each
// scaled on its own; the partial block goes to the lane whose turn it would be (one block fewer than lane 0, or none).
fn laneRowDot(row: u32, xBase: u32, lane: u32, lanes: u32) -> f32 {
  let fullBlocks = shape.cols / BLOCK;
  var acc = 0.0;
  for (var block = lane; block < fullBlocks; block += lanes) {
    acc += scaledBlockSum(row, block * BLOCK, blockDot(row, xBase, block));
  }
  if (shape.cols % BLOCK != 0u && lane == fullBlocks % lanes) {
    acc += scaledBlockSum(row, fullBlocks * BLOCK, tailDot(row, xBase, fullBlocks));
  }
  return acc;
}
