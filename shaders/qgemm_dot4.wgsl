// Int8-activation matmul with WGSL's packed 4x8-bit integer dot product (variant 'dot4', A8 settings with INT4 or
// INT8 weights): y[t, n] = s_x[t] * sum_g (s_w[n, g] * I[t, n, g] + o_w[n, g] * Q[t, g]) + bias[n], where
// I = sum over the group of q_x * value(code) and Q = sum of q_x are exact integer sums (dot4I8Packed, i32), and
// q_x, s_x come from act_quant_int8.wgsl (binding 4: the token scales, then the packed codes). This is
// fakeQuant(X) W^T up to f32 rounding, with the products done in integers. Prepended:
// shaders/common/matmul_shape.wgsl, shaders/common/packed_weight.wgsl (bindings 1-3, format overrides, scales) and
// shaders/common/matmul_output.wgsl (bias, y); BITS is 4 or 8, INT formats only, K a multiple of 32 (the kernel
// class checks it).
//
// Barrier-free and register-blocked like gemm_rows.wgsl: one output column and 4 tokens per invocation; each
// weight word is turned into i8 lanes once and used for all 4 tokens.
//  - 4 bits: a word holds 8 codes; (word & 0x0f0f0f0f) gives codes 0, 2, 4, 6 and ((word >> 4) & 0x0f0f0f0f)
//    codes 1, 3, 5, 7 as bytes 0..15, matched with the interleaved X words; value = code - 8 for symmetric
//    formats, so I = sum q * code - 8 Q.
//  - 8 bits: word ^ 0x80808080 turns each code c into the i8 c - 128 (the symmetric value); asymmetric values are
//    c = (c - 128) + 128, so I = sum q * (c - 128) + 128 Q.

requires packed_4x8_integer_dot_product;

override ROWS_WORKGROUP_SIZE: u32 = 64u;

@group(0) @binding(4) var<storage, read> xq: array<u32>;
const ONES: u32 = 0x01010101u;

fn tokenWord(t0: u32, i: u32, wordsPerRow: u32) -> u32 {
  return shape.m + min(t0 + i, shape.m - 1u) * wordsPerRow;
}

@compute @workgroup_size(ROWS_WORKGROUP_SIZE)
fn main(@builtin(workgroup_id) workgroup: vec3u, @builtin(local_invocation_index) local: u32) {
  let row = workgroup.x * ROWS_WORKGROUP_SIZE + local;
  let t0 = workgroup.y * 4u;
  if (row >= shape.rows) {
    return;
  }
  let K = shape.cols;
  let xWords = K / 4u;
  let rowWord = row * shape.wordsPerRow;
  let x0 = tokenWord(t0, 0u, xWords);
  let x1 = tokenWord(t0, 1u, xWords);
  let x2 = tokenWord(t0, 2u, xWords);
  let x3 = tokenWord(t0, 3u, xWords);
  // The sum of q is needed for symmetric 4-bit (the -8), asymmetric 8-bit (the +128) and any offset.
  let needQ = HAS_OFFSET || (BITS == 4u && INT_SYMMETRIC) || (BITS == 8u && !INT_SYMMETRIC);
  var acc = vec4f(0.0);
  let runs = groupRuns();
  for (var run = 0u; run < runs; run++) {
    let blocks = runBlocks(run);
    var dots = vec4i(0);
    var qsum = vec4i(0);
    for (var block = blocks.x; block < blocks.y; block++) {
      // 8 X words per token per block of 32 columns.
      let xb = block * 8u;
      for (var w = 0u; w < BITS; w++) {
        let word = codes[rowWord + block * BITS + w];
        if (BITS == 4u) {
          let lo = word & 0x0f0f0f0fu;
          let hi = (word >> 4u) & 0x0f0f0f0fu;
          let j = xb + 2u * w;
          let e = vec4u(xq[x0 + j], xq[x1 + j], xq[x2 + j], xq[x3 + j]);
          let o = vec4u(xq[x0 + j + 1u], xq[x1 + j + 1u], xq[x2 + j + 1u], xq[x3 + j + 1u]);
          dots += vec4i(dot4I8Packed(lo, e.x) + dot4I8Packed(hi, o.x), dot4I8Packed(lo, e.y) + dot4I8Packed(hi, o.y),
                        dot4I8Packed(lo, e.z) + dot4I8Packed(hi, o.z), dot4I8Packed(lo, e.w) + dot4I8Packed(hi, o.w));
          if (needQ) {
            qsum += vec4i(dot4I8Packed(e.x, ONES) + dot4I8Packed(o.x, ONES), dot4I8Packed(e.y, ONES) + dot4I8Packed(o.y, ONES),
                          dot4I8Packed(e.z, ONES) + dot4I8Packed(o.z, ONES), dot4I8Packed(e.w, ONES) + dot4I8Packed(o.w, ONES));
          }
        } else {
          let wv = word ^ 0x80808080u;
          let j = xb + w;
          let e = vec4u(xq[x0 + j], xq[x1 + j], xq[x2 + j], xq[x3 + j]);
          dots += vec4i(dot4I8Packed(wv, e.x), dot4I8Packed(wv, e.y), dot4I8Packed(wv, e.z), dot4I8Packed(wv, e.w));
          if (needQ) {
            qsum += vec4i(dot4I8Packed(e.x, ONES), dot4I8Packed(e.y, ONES), dot4I8Packed(e.z, ONES), dot4I8Packed(e.w, ONES));
          }
        }
      }
    }
    if (BITS == 4u && INT_SYMMETRIC) {
      dots -= 8 * qsum;
    }
    if (BITS == 8u && !INT_SYMMETRIC) {
      dots += 128 * qsum;
    }
    let group = groupIndex(row, blocks.x * BLOCK);
    acc += vec4f(dots) * scaleAt(group);
    if (HAS_OFFSET) {
      acc += vec4f(qsum) * offsetAt(group);
    }
  }
  let count = min(4u, shape.m - t0);
  for (var i = 0u; i < count; i++) {
    let t = t0 + i;
    storeOutput(t, row, acc[i] * bitcast<f32>(xq[t]));
  }
}
