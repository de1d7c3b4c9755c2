// Matmul for dozens of tokens on CPU adapters, without workgroup memory or barriers (variant 'gemm-block'):
// y[t, n] = sum_k x[t, k] * W[n, k] + bias[n], for packed INT weights of 2, 4 or 8 bits and for dense weights.
// In front (src/kernels/shaderSource.ts): shaders/common/matmul_shape.wgsl, the weight source (quadValues,
// weightAt, groupIndex, scaleAt, offsetAt), shaders/common/activation_input.wgsl (xAt, x4) and
// shaders/common/matmul_output.wgsl (storeTokens).
//
// Why: on SwiftShader an invocation is a SIMD lane, and every load whose address differs per lane (workgroup or
// storage memory) is a gather that costs several multiply-adds. The tiled GEMM loads 8 values from workgroup memory
// per 16 multiply-adds (plus the tile loads and two barriers per 32 k); gemm_rows.wgsl (one column x 8 tokens)
// loads 33 values per 32. Here each invocation owns 8 output columns x 8 tokens: per 4 k it loads the 8 tokens' X
// quads once (32 values) and one packed word per column (4 codes: INT 2/4/8 decode by vector shifts), dequantises
// each quad once and uses it for 8 tokens: 256 multiply-adds per 40 loads. Measured on SwiftShader (m = 64,
// K = N = 1024, tools/bench/README.md): 4 columns x 8 tokens and 8 x 4 were slower than 8 x 8.
// The weight is dequantised in registers with the same f32 operations as dequantizeWeight (v * scale + offset),
// the scale and offset read once per group run. Tokens past m repeat the last token and columns past N repeat the
// last column (reads stay in bounds; neither is stored).
// Grid: x = ceil(N / (BLOCK_WORKGROUP_SIZE * 8)), y = ceil(m / 8) (src/kernels/tiling.ts GEMM_BLOCK_TILING).

// Small workgroups: a CPU adapter spreads workgroups over its threads, and a 192-column layer fills only 1.5 of 16.
override BLOCK_WORKGROUP_SIZE: u32 = 16u;

// One output column's accumulators for eight tokens.
struct Column {
  lo: vec4f, // tokens t0..t0+3
  hi: vec4f, // tokens t0+4..t0+7
}

// X at k..k+3 of eight tokens.
struct XQuads {
  x0: vec4f,
  x1: vec4f,
  x2: vec4f,
  x3: vec4f,
  x4: vec4f,
  x5: vec4f,
  x6: vec4f,
  x7: vec4f,
}

fn xQuads(lo: vec4u, hi: vec4u, k: u32) -> XQuads {
  return XQuads(
    x4(lo.x + k), x4(lo.y + k), x4(lo.z + k), x4(lo.w + k),
    x4(hi.x + k), x4(hi.y + k), x4(hi.z + k), x4(hi.w + k),
  );
}

// One dequantised quad of one column against the eight tokens' X quads.
fn addQuad(acc: Column, w: vec4f, q: XQuads) -> Column {
  return Column(
    acc.lo + vec4f(dot(w, q.x0), dot(w, q.x1), dot(w, q.x2), dot(w, q.x3)),
    acc.hi + vec4f(dot(w, q.x4), dot(w, q.x5), dot(w, q.x6), dot(w, q.x7)),
  );
}

// Column k of the partial last block, one weight for eight tokens.
fn addColumn(acc: Column, w: f32, lo: vec4f, hi: vec4f) -> Column {
  return Column(acc.lo + w * lo, acc.hi + w * hi);
}

fn blockTokenBase(t0: u32, i: u32) -> u32 {
  return min(t0 + i, shape.m - 1u) * xRowStride();
}

fn storeColumn(t0: u32, column: u32, acc: Column) {
  if (column < shape.rows) {
    storeTokens(t0, column, min(8u, shape.m - t0), acc.lo, acc.hi);
  }
}

fn scaleOf(row: u32, k: u32) -> f32 {
  return scaleAt(groupIndex(row, k));
}

fn offsetOf(row: u32, k: u32) -> f32 {
  return offsetAt(groupIndex(row, k));
}

// Column j of the invocation's block, clamped to the last column.
fn colRow(first: u32, j: u32) -> u32 {
  return min(first + j, shape.rows - 1u);
}

@compute @workgroup_size(BLOCK_WORKGROUP_SIZE)
fn main(@builtin(workgroup_id) workgroup: vec3u, @builtin(local_invocation_index) local: u32) {
  let first = (workgroup.x * BLOCK_WORKGROUP_SIZE + local) * 8u;
  let t0 = workgroup.y * 8u;
  if (first >= shape.rows) {
    return;
  }
  let r0 = colRow(first, 0u);
  let r1 = colRow(first, 1u);
  let r2 = colRow(first, 2u);
  let r3 = colRow(first, 3u);
  let r4 = colRow(first, 4u);
  let r5 = colRow(first, 5u);
  let r6 = colRow(first, 6u);
  let r7 = colRow(first, 7u);
  let K = shape.cols;
  let bases = vec4u(blockTokenBase(t0, 0u), blockTokenBase(t0, 1u), blockTokenBase(t0, 2u), blockTokenBase(t0, 3u));
  let basesHi = vec4u(blockTokenBase(t0, 4u), blockTokenBase(t0, 5u), blockTokenBase(t0, 6u), blockTokenBase(t0, 7u));
  var a0 = Column(vec4f(0.0), vec4f(0.0));
  var a1 = Column(vec4f(0.0), vec4f(0.0));
  var a2 = Column(vec4f(0.0), vec4f(0.0));
  var a3 = Column(vec4f(0.0), vec4f(0.0));
  var a4 = Column(vec4f(0.0), vec4f(0.0));
  var a5 = Column(vec4f(0.0), vec4f(0.0));
  var a6 = Column(vec4f(0.0), vec4f(0.0));
  var a7 = Column(vec4f(0.0), vec4f(0.0));

  let runs = groupRuns();
  for (var run = 0u; run < runs; run++) {
    let blocks = runBlocks(run);
    let k0 = blocks.x * BLOCK;
    let sLo = vec4f(scaleOf(r0, k0), scaleOf(r1, k0), scaleOf(r2, k0), scaleOf(r3, k0));
    let sHi = vec4f(scaleOf(r4, k0), scaleOf(r5, k0), scaleOf(r6, k0), scaleOf(r7, k0));
    let oLo = vec4f(offsetOf(r0, k0), offsetOf(r1, k0), offsetOf(r2, k0), offsetOf(r3, k0));
    let oHi = vec4f(offsetOf(r4, k0), offsetOf(r5, k0), offsetOf(r6, k0), offsetOf(r7, k0));
    for (var k = k0; k < blocks.y * BLOCK; k += 4u) {
      let q = xQuads(bases, basesHi, k);
      a0 = addQuad(a0, quadValues(r0, k) * sLo.x + oLo.x, q);
      a1 = addQuad(a1, quadValues(r1, k) * sLo.y + oLo.y, q);
      a2 = addQuad(a2, quadValues(r2, k) * sLo.z + oLo.z, q);
      a3 = addQuad(a3, quadValues(r3, k) * sLo.w + oLo.w, q);
      a4 = addQuad(a4, quadValues(r4, k) * sHi.x + oHi.x, q);
      a5 = addQuad(a5, quadValues(r5, k) * sHi.y + oHi.y, q);
      a6 = addQuad(a6, quadValues(r6, k) * sHi.z + oHi.z, q);
      a7 = addQuad(a7, quadValues(r7, k) * sHi.w + oHi.w, q);
    }
  }
  // The last, partial block (K % 32 codes), code by code.
  for (var k = (K / BLOCK) * BLOCK; k < K; k++) {
    let xk = vec4f(xAt(bases.x + k), xAt(bases.y + k), xAt(bases.z + k), xAt(bases.w + k));
    let xkHi = vec4f(xAt(basesHi.x + k), xAt(basesHi.y + k), xAt(basesHi.z + k), xAt(basesHi.w + k));
    a0 = addColumn(a0, weightAt(r0, k), xk, xkHi);
    a1 = addColumn(a1, weightAt(r1, k), xk, xkHi);
    a2 = addColumn(a2, weightAt(r2, k), xk, xkHi);
    a3 = addColumn(a3, weightAt(r3, k), xk, xkHi);
    a4 = addColumn(a4, weightAt(r4, k), xk, xkHi);
    a5 = addColumn(a5, weightAt(r5, k), xk, xkHi);
    a6 = addColumn(a6, weightAt(r6, k), xk, xkHi);
    a7 = addColumn(a7, weightAt(r7, k), xk, xkHi);
  }
  storeColumn(t0, first, a0);
  storeColumn(t0, first + 1u, a1);
  storeColumn(t0, first + 2u, a2);
  storeColumn(t0, first + 3u, a3);
  storeColumn(t0, first + 4u, a4);
  storeColumn(t0, first + 5u, a5);
  storeColumn(t0, first + 6u, a6);
  storeColumn(t0, first + 7u, a7);
}
