// Fused dequantise + matrix-vector product: y[t, n] = sum_k x[t, k] * W[n, k] + bias[n], for few tokens t
// (one token per workgroup row of the grid, so the weights are decoded once per token: use qgemm.wgsl for
// many tokens). Prepended: shaders/common/packed_weight.wgsl (bindings 0-3, format overrides, decode) and
// shaders/common/activation_input.wgsl (binding 4: X in f32 or f16 storage, read with xAt).
//
// A workgroup computes ROWS_PER_WORKGROUP outputs; THREADS_PER_ROW invocations share one row and stride over
// its K in blocks of 32 codes. A block of 32 codes is exactly BITS whole words and lies inside one scale group
// (group sizes are multiples of 32, or K itself), so a block needs one scale and one offset:
//   sum_k x_k (v_k s + o) = s * sum_k x_k v_k + o * sum_k x_k.
// 2-, 4- and 8-bit codes are decoded a whole word at a time; 3, 5, 6 and 7 bits use a straddling decode over the
// block's words held in registers. A last partial block (K not a multiple of 32) is decoded code by code.
// Partial sums meet in a workgroup-memory tree reduction.

// Must be a power of two (tree reduction).
override THREADS_PER_ROW: u32 = 32u;
override ROWS_PER_WORKGROUP: u32 = 4u;
override WORKGROUP_SIZE: u32 = THREADS_PER_ROW * ROWS_PER_WORKGROUP;

@group(0) @binding(5) var<storage, read> bias: array<f32>;      // [N] when shape.hasBias == 1
@group(0) @binding(6) var<storage, read_write> y: array<f32>;   // [m, N]

var<workgroup> partial: array<f32, WORKGROUP_SIZE>;

const BLOCK: u32 = 32u;

// x . v over the 32 codes of full block `block` of `row`, and the sum of those x (only needed for an offset).
fn blockDot(row: u32, xBase: u32, block: u32) -> vec2f {
  let wordBase = row * shape.wordsPerRow + block * BITS;
  let xStart = xBase + block * BLOCK;
  var dot = 0.0;
  var xSum = 0.0;
  if (CODES_ALIGNED) {
    let codesPerWord = 32u / BITS;
    for (var w = 0u; w < BITS; w++) {
      let word = codes[wordBase + w];
      for (var j = 0u; j < codesPerWord; j++) {
        let xv = xAt(xStart + w * codesPerWord + j);
        dot += xv * codeValue((word >> (j * BITS)) & CODE_MASK);
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
      dot += xv * codeValue(code & CODE_MASK);
      if (HAS_OFFSET) {
        xSum += xv;
      }
    }
  }
  return vec2f(dot, xSum);
}

// The same for the last, partial block (K % 32 codes), one code at a time.
fn tailDot(row: u32, xBase: u32, block: u32) -> vec2f {
  let rowWord = row * shape.wordsPerRow;
  var dot = 0.0;
  var xSum = 0.0;
  for (var k = block * BLOCK; k < shape.cols; k++) {
    let xv = xAt(xBase + k);
    dot += xv * codeValue(codeAt(rowWord, k));
    if (HAS_OFFSET) {
      xSum += xv;
    }
  }
  return vec2f(dot, xSum);
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

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(workgroup_id) workgroup: vec3u, @builtin(local_invocation_index) local: u32) {
  let lane = local % THREADS_PER_ROW;
  let slot = local / THREADS_PER_ROW;
  let row = workgroup.x * ROWS_PER_WORKGROUP + slot;
  let token = workgroup.y;
  let xBase = token * xRowStride();

  var acc = 0.0;
  if (row < shape.rows) {
    let fullBlocks = shape.cols / BLOCK;
    for (var block = lane; block < fullBlocks; block += THREADS_PER_ROW) {
      acc += scaledBlockSum(row, block * BLOCK, blockDot(row, xBase, block));
    }
    // The partial block goes to the lane whose turn it would be, which has one block fewer than lane 0 or none.
    if (shape.cols % BLOCK != 0u && lane == fullBlocks % THREADS_PER_ROW) {
      acc += scaledBlockSum(row, fullBlocks * BLOCK, tailDot(row, xBase, fullBlocks));
    }
  }

  partial[local] = acc;
  workgroupBarrier();
  for (var stride = THREADS_PER_ROW / 2u; stride > 0u; stride >>= 1u) {
    if (lane < stride) {
      partial[local] += partial[local + stride];
    }
    workgroupBarrier();
  }
  if (lane == 0u && row < shape.rows) {
    var result = partial[local];
    if (shape.hasBias == 1u) {
      result += bias[row];
    }
    y[token * shape.rows + row] = result;
  }
}
