// Per-row dot products over 32-code blocks of a packed weight, shared by the GEMV kernels (qgemv.wgsl,
// qgemv_rows.wgsl, qgemv_subgroup.wgsl). Needs shaders/common/packed_weight.wgsl (codes, scales, decode) and
// shaders/common/activation_input.wgsl (xAt) in the same module.
//
// A block of 32 codes is exactly BITS whole words and lies inside one scale group (group sizes are multiples of
// 32, or K itself), so a block needs one scale and one offset:
//   sum_k x_k (v_k s + o) = s * sum_k x_k v_k + o * sum_k x_k.
// INT formats of 2, 4 and 8 bits decode a whole word four codes at a time (vector shifts, one vec4 dot each); FP
// formats of those widths decode a word code by code; 3, 5, 6 and 7 bits use a straddling decode over the block's
// words held in registers. A last partial block (K not a multiple of 32) is decoded code by code.

const BLOCK: u32 = 32u;

// Four consecutive X elements from flat index i.
fn x4(i: u32) -> vec4f {
  return vec4f(xAt(i), xAt(i + 1u), xAt(i + 2u), xAt(i + 3u));
}

// Integer values of four codes (codeValue for INT formats, as exact f32 integers).
fn intValues4(c: vec4u) -> vec4f {
  if (INT_SYMMETRIC) {
    return vec4f(vec4i(c) - vec4i(i32(1u << (BITS - 1u))));
  }
  return vec4f(c);
}

// x . v over the 32 codes of full block `block` of `row`, and the sum of those x (only needed for an offset).
fn blockDot(row: u32, xBase: u32, block: u32) -> vec2f {
  let wordBase = row * shape.wordsPerRow + block * BITS;
  let xStart = xBase + block * BLOCK;
  var acc = 0.0;
  var xSum = 0.0;
  if (CODES_ALIGNED && !IS_FP) {
    // Written out per code width (the branches on BITS are pipeline constants): a loop over the word's quads
    // costs SwiftShader's JIT twice as much. The shifts are masked only so that the branches a width never takes
    // still compile (a constant shift by 32 or more is a WGSL error).
    let codesPerWord = 32u / BITS;
    for (var w = 0u; w < BITS; w++) {
      let word = vec4u(codes[wordBase + w]);
      let xw = xStart + w * codesPerWord;
      var xv = x4(xw);
      acc += dot(intValues4((word >> ((vec4u(0u, 1u, 2u, 3u) * BITS) & vec4u(31u))) & vec4u(CODE_MASK)), xv);
      var xs = xv;
      if (BITS <= 4u) {
        xv = x4(xw + 4u);
        acc += dot(intValues4((word >> ((vec4u(4u, 5u, 6u, 7u) * BITS) & vec4u(31u))) & vec4u(CODE_MASK)), xv);
        xs += xv;
      }
      if (BITS <= 2u) {
        xv = x4(xw + 8u);
        acc += dot(intValues4((word >> ((vec4u(8u, 9u, 10u, 11u) * BITS) & vec4u(31u))) & vec4u(CODE_MASK)), xv);
        xs += xv;
        xv = x4(xw + 12u);
        acc += dot(intValues4((word >> ((vec4u(12u, 13u, 14u, 15u) * BITS) & vec4u(31u))) & vec4u(CODE_MASK)), xv);
        xs += xv;
      }
      if (HAS_OFFSET) {
        xSum += (xs.x + xs.y) + (xs.z + xs.w);
      }
    }
  } else if (CODES_ALIGNED) {
    let codesPerWord = 32u / BITS;
    for (var w = 0u; w < BITS; w++) {
      let word = codes[wordBase + w];
      for (var j = 0u; j < codesPerWord; j++) {
        let xv = xAt(xStart + w * codesPerWord + j);
        acc += xv * codeValue((word >> (j * BITS)) & CODE_MASK);
        if (HAS_OFFSET) {
          xSum += xv;
        }
      }
    }
  } else {
    var words: array<u32, 9>; // BITS <= 8 words, plus one so the straddle read below stays in bounds
    for (var w = 0u; w < BITS; w++) {
      words[w] = codes[wordBase + w];
    }
    for (var j = 0u; j < BLOCK; j++) {
      let bit = j * BITS;
      let shift = bit & 31u;
      var code = words[bit >> 5u] >> shift;
      if (shift + BITS > 32u) {
        code |= words[(bit >> 5u) + 1u] << (32u - shift);
      }
      let xv = xAt(xStart + j);
      acc += xv * codeValue(code & CODE_MASK);
      if (HAS_OFFSET) {
        xSum += xv;
      }
    }
  }
  return vec2f(acc, xSum);
}

// The same for the last, partial block (K % 32 codes), one code at a time.
fn tailDot(row: u32, xBase: u32, block: u32) -> vec2f {
  let rowWord = row * shape.wordsPerRow;
  var acc = 0.0;
  var xSum = 0.0;
  for (var k = block * BLOCK; k < shape.cols; k++) {
    let xv = xAt(xBase + k);
    acc += xv * codeValue(codeAt(rowWord, k));
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

// The whole row: sum over its blocks (the partial one included) for the token whose X row starts at xBase. The
// blocks of one scale group are summed first and scaled once (groups of a multiple of 32 codes; any other group
// is the whole row, and its blocks are scaled one by one, which gives the same sum).
fn rowDot(row: u32, xBase: u32) -> f32 {
  let fullBlocks = shape.cols / BLOCK;
  let blocksPerGroup = select(1u, shape.groupSize / BLOCK, shape.groupSize % BLOCK == 0u && shape.groupSize >= BLOCK);
  var acc = 0.0;
  var block = 0u;
  while (block < fullBlocks) {
    let first = block;
    let end = min(block + blocksPerGroup, fullBlocks);
    var sums = vec2f(0.0);
    for (; block < end; block++) {
      sums += blockDot(row, xBase, block);
    }
    acc += scaledBlockSum(row, first * BLOCK, sums);
  }
  if (shape.cols % BLOCK != 0u) {
    acc += scaledBlockSum(row, fullBlocks * BLOCK, tailDot(row, xBase, fullBlocks));
  }
  return acc;
}
