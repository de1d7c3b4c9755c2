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

// The X row starts of four consecutive tokens from t0 + first.
fn tokenBases(t0: u32, first: u32) -> vec4u {
  return vec4u(tokenBase(t0, first), tokenBase(t0, first + 1u), tokenBase(t0, first + 2u), tokenBase(t0, first + 3u));
}

struct QuadDots {
  dots: vec4f,  // x_t[k..k+3] . v for the four tokens
  sums: vec4f,  // sum of x_t[k..k+3] (only with an offset; 0 otherwise)
}

// One decoded quad of weights against the X quads at column k of the four tokens whose rows start at `bases`.
fn quadDots(v: vec4f, bases: vec4u, k: u32) -> QuadDots {
  let x0 = x4(bases.x + k);
  let x1 = x4(bases.y + k);
  let x2 = x4(bases.z + k);
  let x3 = x4(bases.w + k);
  var sums = vec4f(0.0);
  if (HAS_OFFSET) {
    sums = vec4f(dot(x0, vec4f(1.0)), dot(x1, vec4f(1.0)), dot(x2, vec4f(1.0)), dot(x3, vec4f(1.0)));
  }
  return QuadDots(vec4f(dot(v, x0), dot(v, x1), dot(v, x2), dot(v, x3)), sums);
}

// X at column k of the four tokens whose rows start at `bases`.
fn xColumn(bases: vec4u, k: u32) -> vec4f {
  return vec4f(xAt(bases.x + k), xAt(bases.y + k), xAt(bases.z + k), xAt(bases.w + k));
}

@compute @workgroup_size(ROWS_WORKGROUP_SIZE)
fn main(@builtin(workgroup_id) workgroup: vec3u, @builtin(local_invocation_index) local: u32) {
  let row = workgroup.x * ROWS_WORKGROUP_SIZE + local;
  let t0 = workgroup.y * TOKENS;
  if (row >= shape.rows) {
    return;
  }
  let K = shape.cols;
  // Lo: tokens t0..t0+3, Hi: t0+4..t0+7.
  let basesLo = tokenBases(t0, 0u);
  let basesHi = tokenBases(t0, 4u);
  var accLo = vec4f(0.0);
  var accHi = vec4f(0.0);

  let fullBlocks = K / BLOCK;
  let runs = groupRuns();
  for (var run = 0u; run < runs; run++) {
    let blocks = runBlocks(run);
    var lo = QuadDots(vec4f(0.0), vec4f(0.0));
    var hi = QuadDots(vec4f(0.0), vec4f(0.0));
    for (var block = blocks.x; block < blocks.y; block++) {
      for (var k = block * BLOCK; k < (block + 1u) * BLOCK; k += 4u) {
        let v = quadValues(row, k);
        let dLo = quadDots(v, basesLo, k);
        lo.dots += dLo.dots;
        lo.sums += dLo.sums;
        if (TOKENS == 8u) {
          let dHi = quadDots(v, basesHi, k);
          hi.dots += dHi.dots;
          hi.sums += dHi.sums;
        }
      }
    }
    let group = groupIndex(row, blocks.x * BLOCK);
    let scale = scaleAt(group);
    accLo += lo.dots * scale;
    accHi += hi.dots * scale;
    if (HAS_OFFSET) {
      let offset = offsetAt(group);
      accLo += lo.sums * offset;
      accHi += hi.sums * offset;
    }
  }
  // The last, partial block (K % 32 codes), code by code with the full weight value.
  for (var k = fullBlocks * BLOCK; k < K; k++) {
    let w = weightAt(row, k);
    accLo += w * xColumn(basesLo, k);
    if (TOKENS == 8u) {
      accHi += w * xColumn(basesHi, k);
    }
  }

  storeTokens(t0, row, min(TOKENS, shape.m - t0), accLo, accHi);
}
