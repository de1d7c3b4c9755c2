// VAR attention input preparation for `tokens` new tokens of a batch:
//   q = normalize(qkv_q + q_bias) * exp(min(scale_mul_log[h], ln 100))   -> q      [B, H, tokens, d]
//   k = normalize(qkv_k)                   (k has a zero bias)          -> kCache [B, H, capacity, d] at cachePosition + t
//   v = qkv_v + v_bias                                                   -> vCache [B, H, capacity, d] at cachePosition + t
// qkv is the mat_qkv output [B, tokens, 3C] (C = H*d, chunks q, k, v, each split into H heads of d).
// normalize(x) = x / max(|x|, 1e-12) over the head dimension (torch F.normalize).
// One invocation per (b, h, t): it walks its head's d values twice (norms, then writes).
// KV_FORMAT, how the caches store values (no shader-f16 or other extension needed in any):
//   0 f32: one value per u32 (its bits);
//   1 f16: two per u32 (pack2x16float of elements 2i, 2i+1: half the bytes; d is even, so a pair never spans heads);
//   2 q8:  four int8 codes per u32 (pack4x8snorm of value / absmax of its head row: a quarter of the bytes; d is a
//          multiple of 4), then, after all batch x heads x capacity x d / 4 code words, one f32 scale per head row
//          (the row's absmax; the value is unpack4x8snorm(code) x scale). One invocation owns one head row, so
//          its absmax needs no reduction across invocations. For k, value / absmax = k_raw / max|k_raw| (the
//          L2 norm cancels) and the scale is max|k_raw| / |k_raw| <= 1.

struct Params {
  batch: u32,
  tokens: u32,
  heads: u32,
  headDim: u32,
  capacity: u32,
  cachePosition: u32,
}

override WORKGROUP_SIZE: u32 = 64u;
override KV_FORMAT: u32 = 0u;

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> qkv: array<f32>;
@group(0) @binding(2) var<storage, read> qBias: array<f32>;
@group(0) @binding(3) var<storage, read> vBias: array<f32>;
@group(0) @binding(4) var<storage, read> scaleMulLog: array<f32>;
@group(0) @binding(5) var<storage, read_write> q: array<f32>;
@group(0) @binding(6) var<storage, read_write> kCache: array<u32>;
@group(0) @binding(7) var<storage, read_write> vCache: array<u32>;

const MAX_SCALE_MUL_LOG: f32 = 4.605170185988092;  // ln(100)
const NORM_EPS: f32 = 1e-12;

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) groups: vec3u) {
  let index = gid.x + gid.y * groups.x * WORKGROUP_SIZE;
  if (index >= params.batch * params.heads * params.tokens) {
    return;
  }
  let t = index % params.tokens;
  let bh = index / params.tokens;
  let h = bh % params.heads;
  let b = bh / params.heads;
  let d = params.headDim;
  let C = params.heads * d;
  let src = (b * params.tokens + t) * 3u * C + h * d;

  var qSquares = 0.0;
  var kSquares = 0.0;
  for (var e = 0u; e < d; e++) {
    let qe = qkv[src + e] + qBias[h * d + e];
    let ke = qkv[src + C + e];
    qSquares += qe * qe;
    kSquares += ke * ke;
  }
  let qNorm = max(sqrt(qSquares), NORM_EPS);
  let kNorm = max(sqrt(kSquares), NORM_EPS);
  let qScale = exp(min(scaleMulLog[h], MAX_SCALE_MUL_LOG));

  let qDst = (bh * params.tokens + t) * d;
  let cacheDst = (bh * params.capacity + params.cachePosition + t) * d;
  for (var e = 0u; e < d; e++) {
    q[qDst + e] = ((qkv[src + e] + qBias[h * d + e]) / qNorm) * qScale;
  }
  if (KV_FORMAT == 2u) {
    var kMax = 0.0;
    var vMax = 0.0;
    for (var e = 0u; e < d; e++) {
      kMax = max(kMax, abs(qkv[src + C + e]));
      vMax = max(vMax, abs(qkv[src + 2u * C + e] + vBias[h * d + e]));
    }
    // An all-zero row stores zero codes and a zero scale.
    let kInv = select(0.0, 1.0 / kMax, kMax > 0.0);
    let vInv = select(0.0, 1.0 / vMax, vMax > 0.0);
    for (var e = 0u; e < d; e += 4u) {
      let kVec = vec4f(qkv[src + C + e], qkv[src + C + e + 1u], qkv[src + C + e + 2u], qkv[src + C + e + 3u]);
      let vVec = vec4f(qkv[src + 2u * C + e], qkv[src + 2u * C + e + 1u], qkv[src + 2u * C + e + 2u], qkv[src + 2u * C + e + 3u]) +
        vec4f(vBias[h * d + e], vBias[h * d + e + 1u], vBias[h * d + e + 2u], vBias[h * d + e + 3u]);
      kCache[(cacheDst + e) / 4u] = pack4x8snorm(kVec * kInv);
      vCache[(cacheDst + e) / 4u] = pack4x8snorm(vVec * vInv);
    }
    let scaleWord = params.batch * params.heads * params.capacity * d / 4u + bh * params.capacity + params.cachePosition + t;
    kCache[scaleWord] = bitcast<u32>(kMax / kNorm);
    vCache[scaleWord] = bitcast<u32>(vMax);
  } else if (KV_FORMAT == 1u) {
    for (var e = 0u; e < d; e += 2u) {
      let kPair = vec2f(qkv[src + C + e], qkv[src + C + e + 1u]) / kNorm;
      let vPair = vec2f(qkv[src + 2u * C + e], qkv[src + 2u * C + e + 1u]) + vec2f(vBias[h * d + e], vBias[h * d + e + 1u]);
      kCache[(cacheDst + e) / 2u] = pack2x16float(kPair);
      vCache[(cacheDst + e) / 2u] = pack2x16float(vPair);
    }
  } else {
    for (var e = 0u; e < d; e++) {
      kCache[cacheDst + e] = bitcast<u32>(qkv[src + C + e] / kNorm);
      vCache[cacheDst + e] = bitcast<u32>(qkv[src + 2u * C + e] + vBias[h * d + e]);
    }
  }
}
