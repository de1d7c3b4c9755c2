// The W-tile load of shaders/common/tiled_gemm.wgsl for a packed weight (fused dequantise + tiled GEMM for many
// tokens): each W tile is dequantised into workgroup memory once and reused by all TILE_M tokens of the tile.
// Needs shaders/common/packed_weight.wgsl in front; dense_tile.wgsl is the dense twin.
//
// TILE_K must divide 32 (src/kernels/tiling.ts checks it). A W-tile row then lies inside one aligned block of 32
// codes, hence inside one scale group (group sizes are multiples of 32, or K), so each invocation looks up one
// scale and offset for its run of consecutive codes instead of one (with an integer division) per element.

// Invocations that share one W-tile row (1 with 64 invocations and TILE_N 64, 4 with 256).
override LOAD_SPLIT: u32 = max(1u, GEMM_THREADS / TILE_N);
override CODES_PER_LOAD: u32 = TILE_K / LOAD_SPLIT;

fn loadWeightTile(n0: u32, k0: u32, localIndex: u32) {
  for (var e = localIndex; e < TILE_N * LOAD_SPLIT; e += GEMM_THREADS) {
    let nn = e / LOAD_SPLIT;
    let first = (e % LOAD_SPLIT) * CODES_PER_LOAD;
    let n = n0 + nn;
    var scale = 0.0;
    var offset = 0.0;
    if (n < shape.rows) {
      let group = groupIndex(n, k0 + first);
      scale = scaleAt(group);
      offset = offsetAt(group);
    }
    let rowWord = n * shape.wordsPerRow;
    if (CODES_ALIGNED) {
      // 2, 4 and 8 bits: read each word once and take its codes by shifts. The run starts at a multiple of
      // CODES_PER_LOAD codes inside an aligned block of 32, so each word's share of the run lies in that word.
      let perWord = min(32u / BITS, CODES_PER_LOAD);
      for (var j0 = 0u; j0 < CODES_PER_LOAD; j0 += perWord) {
        let kStart = k0 + first + j0;
        var word = 0u;
        if (n < shape.rows && kStart < shape.cols) {
          let bit = kStart * BITS;
          word = codes[rowWord + (bit >> 5u)] >> (bit & 31u);
        }
        for (var j = 0u; j < perWord; j++) {
          var value = 0.0;
          if (n < shape.rows && kStart + j < shape.cols) {
            value = codeValue((word >> (j * BITS)) & CODE_MASK) * scale + offset;
          }
          wTile[(first + j0 + j) * TILE_N + nn] = value;
        }
      }
      continue;
    }
    for (var j = 0u; j < CODES_PER_LOAD; j++) {
      let k = k0 + first + j;
      var value = 0.0;
      if (n < shape.rows && k < shape.cols) {
        // Same f32 operations as dequantizeWeight(): the tile holds the exact dequantised weights.
        value = codeValue(codeAt(rowWord, k)) * scale + offset;
      }
      wTile[(first + j) * TILE_N + nn] = value;
    }
  }
}
