// Block decode of a packed weight for the matmul kernels: blockDot (x . v over one full block of 32 codes) and
// quadValues (four codes' values), the packed implementations of the weight-source interface that
// shaders/common/block_sums.wgsl and the rows GEMM build on. Needs shaders/common/matmul_shape.wgsl (BLOCK),
// shaders/common/packed_weight.wgsl (codes, decode) and shaders/common/activation_input.wgsl (xAt, x4).
//
// A block of 32 codes is exactly BITS whole words and lies inside one scale group, so a block needs one scale and
// one offset:
//   sum_k x_k (v_k s + o) = s * sum_k x_k v_k + o * sum_k x_k.
// INT formats of 2, 4 and 8 bits decode a whole word four codes at a time (vector shifts, one vec4 dot each); FP
// formats of those widths decode a word code by code; 3, 5, 6 and 7 bits use a straddling decode over the block's
// words held in registers.

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

// The values (before scaling) of the four codes at columns k..k+3 of `row`; k is a multiple of 4 inside a full
// block of 32.
fn quadValues(row: u32, k: u32) -> vec4f {
  let rowWord = row * shape.wordsPerRow;
  if (CODES_ALIGNED && !IS_FP) {
    let bit = k * BITS;
    let word = vec4u(codes[rowWord + (bit >> 5u)] >> (bit & 31u));
    return intValues4((word >> ((vec4u(0u, 1u, 2u, 3u) * BITS) & vec4u(31u))) & vec4u(CODE_MASK));
  }
  return vec4f(codeValue(codeAt(rowWord, k)), codeValue(codeAt(rowWord, k + 1u)), codeValue(codeAt(rowWord, k + 2u)), codeValue(codeAt(rowWord, k + 3u)));
}
