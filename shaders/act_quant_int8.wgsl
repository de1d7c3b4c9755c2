// Activation quantisation to packed int8 for the dot4I8Packed matmul (qgemm_dot4.wgsl), barrier-free like
// act_fakequant_rows.wgsl. Prepended: shaders/common/act_quant.wgsl (INT formats only here: QMAX = 2^(k-1) - 1,
// divideByQmax, inputAt with SmoothQuant's channelScale). Output `xq` (binding 4), u32 words:
//   [0, tokens)                       the token's scale s as f32 bits (per token: divideByQmax(absmax), else the
//                                     per-tensor scale), exactly the scale of the fake-quant kernels;
//   [tokens + t * cols / 4, ...)      token t's codes q = clamp(round(x / s), -QMAX, QMAX) as i8 bytes, four per word:
//                                     fakeQuant(x) = q * s. INTERLEAVE (4-bit weights): each 8 columns are two words,
//                                     the even columns (0, 2, 4, 6) then the odd ones, which is the order a 4-bit word
//                                     of weights gives by masking its low and high nibbles; otherwise columns in order.
// cols must be a multiple of 32 (the kernel class checks it). Invocation i handles CHUNK_WORDS words of token
// i / wordsChunksPerRow and takes the row's absmax itself (no barrier).

override INTERLEAVE: bool = false;
override ROWS_WORKGROUP_SIZE: u32 = 64u;
override CHUNK_WORDS: u32 = 16u;

@group(0) @binding(4) var<storage, read_write> xq: array<u32>;

@compute @workgroup_size(ROWS_WORKGROUP_SIZE)
fn main(
  @builtin(workgroup_id) workgroup: vec3u,
  @builtin(num_workgroups) workgroups: vec3u,
  @builtin(local_invocation_index) lane: u32,
) {
  let invocation = (workgroup.x + workgroup.y * workgroups.x) * ROWS_WORKGROUP_SIZE + lane;
  let wordsPerRow = shape.cols / 4u;
  let chunksPerRow = (wordsPerRow + CHUNK_WORDS - 1u) / CHUNK_WORDS;
  let token = invocation / chunksPerRow;
  if (token >= shape.tokens) {
    return;
  }
  let base = token * shape.cols;
  let scale = rowScale(base);
  let chunk = invocation % chunksPerRow;
  if (chunk == 0u) {
    xq[token] = bitcast<u32>(scale);
  }
  let first = chunk * CHUNK_WORDS;
  let end = min(first + CHUNK_WORDS, wordsPerRow);
  for (var j = first; j < end; j++) {
    var word = 0u;
    for (var b = 0u; b < 4u; b++) {
      var col = 4u * j + b;
      if (INTERLEAVE) {
        col = 8u * (j >> 1u) + 2u * b + (j & 1u);
      }
      var q = 0;
      if (scale > 0.0) {
        q = i32(clamp(round(inputAt(base + col, col) / scale), -QMAX, QMAX));
      }
      word |= (u32(q) & 0xffu) << (8u * b);
    }
    xq[shape.tokens + token * wordsPerRow + j] = word;
  }
}
