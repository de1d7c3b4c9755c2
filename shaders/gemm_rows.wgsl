// Matmul for a few to a few dozen tokens without workgroup memory or barriers (variant 'gemm-rows', for CPU
// adapters such as SwiftShader): y[t, n] = sum_k x[t, k] * W[n, k] + bias[n], for packed or dense weights alike.
// In front (src/kernels/shaderSource.ts): shaders/common/matmul_shape.wgsl, the weight source (quadValues,
// weightAt, groupIndex, scaleAt, offsetAt), shaders/common/activation_input.wgsl (xAt, x4) and
// shaders/common/matmul_output.wgsl.
//
// Register-blocked: each invocation owns one output column n and TOKENS (4 or 8) tokens. It decodes each group of
// four codes once (INT 2/4/8 bits: one word, vector shifts) and multiplies it with the four X values of each of its
// tokens; per-token dot products of a 32-code block are summed in vec4 accumulators, and the group's scale (and
// offset) is applied once per block run of a group, as in block_sums.wgsl's rowDot. Tokens past m repeat the last
// token (in bounds, never stored). Grid: x = ceil(N / ROWS_WORKGROUP_SIZE), y = ceil(m / TOKENS).

override ROWS_WORKGROUP_SIZE: u32 = 64u;
// 4 or 8 tokens per invocation (8 amortises each decoded code over twice the tokens).
override TOKENS: u32 = 8u;

// X row starts (xAt index units) of the invocation's tokens, clamped to the last token.
fn tokenBase(t0: u32, i: u32) -> u32 {
  return min(t0 + i, shape.m - 1u) * xRowStride();
}

@compute @workgroup_size(ROWS_WORKGROUP_SIZE)
fn main(@builtin(workgroup_id) workgroup: vec3u, @builtin(local_invocation_index) local: u32) {
  let row = workgroup.x * ROWS_WORKGROUP_SIZE + local;
  let t0 = workgroup.y * TOKENS;
  if (row >= shape.rows) {
    return;
  }
  let K = shape.cols;
  let b0 = tokenBase(t0, 0u);
  let b1 = tokenBase(t0, 1u);
  let b2 = tokenBase(t0, 2u);
  let b3 = tokenBase(t0, 3u);
  let b4 = tokenBase(t0, 4u);
  let b5 = tokenBase(t0, 5u);
  let b6 = tokenBase(t0, 6u);
  let b7 = tokenBase(t0, 7u);
  // accLo: tokens t0..t0+3, accHi: t0+4..t0+7.
  var accLo = vec4f(0.0);
  var accHi = vec4f(0.0);

  let fullBlocks = K / BLOCK;
  let perGroup = blocksPerGroup();
  var block = 0u;
  while (block < fullBlocks) {
    let first = block;
    let end = min(block + perGroup, fullBlocks);
    var sumLo = vec4f(0.0);
    var sumHi = vec4f(0.0);
    var xsLo = vec4f(0.0);
    var xsHi = vec4f(0.0);
    for (; block < end; block++) {
      for (var k = block * BLOCK; k < (block + 1u) * BLOCK; k += 4u) {
        let v = quadValues(row, k);
        let x0 = x4(b0 + k);
        let x1 = x4(b1 + k);
        let x2 = x4(b2 + k);
        let x3 = x4(b3 + k);
        sumLo += vec4f(dot(v, x0), dot(v, x1), dot(v, x2), dot(v, x3));
        if (HAS_OFFSET) {
          xsLo += vec4f(dot(x0, vec4f(1.0)), dot(x1, vec4f(1.0)), dot(x2, vec4f(1.0)), dot(x3, vec4f(1.0)));
        }
        if (TOKENS == 8u) {
          let x4v = x4(b4 + k);
          let x5 = x4(b5 + k);
          let x6 = x4(b6 + k);
          let x7 = x4(b7 + k);
          sumHi += vec4f(dot(v, x4v), dot(v, x5), dot(v, x6), dot(v, x7));
          if (HAS_OFFSET) {
            xsHi += vec4f(dot(x4v, vec4f(1.0)), dot(x5, vec4f(1.0)), dot(x6, vec4f(1.0)), dot(x7, vec4f(1.0)));
          }
        }
      }
    }
    let group = groupIndex(row, first * BLOCK);
    let scale = scaleAt(group);
    accLo += sumLo * scale;
    accHi += sumHi * scale;
    if (HAS_OFFSET) {
      let offset = offsetAt(group);
      accLo += xsLo * offset;
      accHi += xsHi * offset;
    }
  }
  // The last, partial block (K % 32 codes), code by code with the full weight value.
  for (var k = fullBlocks * BLOCK; k < K; k++) {
    let w = weightAt(row, k);
    accLo += w * vec4f(xAt(b0 + k), xAt(b1 + k), xAt(b2 + k), xAt(b3 + k));
    if (TOKENS == 8u) {
      accHi += w * vec4f(xAt(b4 + k), xAt(b5 + k), xAt(b6 + k), xAt(b7 + k));
    }
  }

  storeTokens(t0, row, min(TOKENS, shape.m - t0), accLo, accHi);
}
