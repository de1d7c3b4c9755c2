// Multi-head attention for few tokens: out[b, i, h*d : (h+1)*d] = softmax_j(scale * q_i . k_j + mask) v_j.
// q, k, v are read through element layouts (offset + b*batchStride + h*headStride + t*tokenStride, in vec4
// units), so a KV cache [B, H, capacity, d] or a token-major qkv matmul output [B, T, 3, H, d] is read in place.
// MASK_BY_LEVEL: query i (absolute position firstQueryPosition + i) sees key j iff levels[j] <= levels[query]
// (VAR's block-causal mask over scales); otherwise every query sees every key.
// KV_FORMAT says how k and v are stored (all bound as array<u32>, so one shader reads each; no shader-f16 or
// other extension needed); layouts count elements in every format:
//   0 f32: one value per word (its bits), a vec4 is 4 words;
//   1 f16: two values per word (pack2x16float; VAR's KV cache at half the bytes), a vec4 is 2 words;
//   2 q8:  four int8 codes per word (pack4x8snorm of value / scale), a vec4 is one word, and each head row of
//          headDim values has one f32 scale (its absmax) at word kvScaleOffset + (row start element) / headDim of
//          the same buffer (VAR's KV cache at a quarter of the bytes, plus one word per row).
//
// A workgroup owns QUERY_TILE queries of one (b, h), one query per invocation. Keys stream through workgroup
// memory KEY_TILE at a time (every invocation reads every key: one load serves the tile); each invocation keeps
// its q and its output accumulator in registers and uses the online softmax (running max and sum), so scores
// are never stored. Queries past the end still help load tiles, so the barriers stay in uniform control flow.

struct Params {
  batch: u32,
  heads: u32,
  queries: u32,
  keys: u32,
  qOffset: u32,
  qBatchStride: u32,
  qHeadStride: u32,
  qTokenStride: u32,
  kOffset: u32,
  kBatchStride: u32,
  kHeadStride: u32,
  kTokenStride: u32,
  vOffset: u32,
  vBatchStride: u32,
  vHeadStride: u32,
  vTokenStride: u32,
  firstQueryPosition: u32,
  scale: f32,
  kvScaleOffset: u32,
}

override QUERY_TILE: u32 = 64u;
override KEY_TILE: u32 = 16u;
// Head dim / 4: a compile-time fact of the model (VAR 64, our DiT 32).
override HEAD_VECS: u32 = 16u;
override MASK_BY_LEVEL: bool = false;
override KV_FORMAT: u32 = 0u;
// Private arrays need a constant size: head dims up to 128.
const MAX_HEAD_VECS: u32 = 32u;
// Finite start of the running max: exp(start - s) is then 0, never NaN from -inf - -inf.
const LOWEST: f32 = -3.0e38;

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> q: array<vec4f>;
@group(0) @binding(2) var<storage, read> k: array<u32>;
@group(0) @binding(3) var<storage, read> v: array<u32>;
@group(0) @binding(4) var<storage, read> levels: array<u32>;
@group(0) @binding(5) var<storage, read_write> out: array<vec4f>;

var<workgroup> tileK: array<vec4f, KEY_TILE * HEAD_VECS>;
var<workgroup> tileV: array<vec4f, KEY_TILE * HEAD_VECS>;

// The vec4 at vec4 index i (element 4i) of k / v, in KV_FORMAT. For q8 the row's scale is the word at
// kvScaleOffset + i / HEAD_VECS (the caller keeps rows headDim-aligned, so i / HEAD_VECS is the row index).
fn loadK(i: u32) -> vec4f {
  if (KV_FORMAT == 2u) {
    return unpack4x8snorm(k[i]) * bitcast<f32>(k[params.kvScaleOffset + i / HEAD_VECS]);
  }
  if (KV_FORMAT == 1u) {
    return vec4f(unpack2x16float(k[2u * i]), unpack2x16float(k[2u * i + 1u]));
  }
  return bitcast<vec4f>(vec4u(k[4u * i], k[4u * i + 1u], k[4u * i + 2u], k[4u * i + 3u]));
}

fn loadV(i: u32) -> vec4f {
  if (KV_FORMAT == 2u) {
    return unpack4x8snorm(v[i]) * bitcast<f32>(v[params.kvScaleOffset + i / HEAD_VECS]);
  }
  if (KV_FORMAT == 1u) {
    return vec4f(unpack2x16float(v[2u * i]), unpack2x16float(v[2u * i + 1u]));
  }
  return bitcast<vec4f>(vec4u(v[4u * i], v[4u * i + 1u], v[4u * i + 2u], v[4u * i + 3u]));
}

@compute @workgroup_size(QUERY_TILE)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) groups: vec3u, @builtin(local_invocation_index) lane: u32) {
  let group = wid.x + wid.y * groups.x;
  let tilesPerHead = (params.queries + QUERY_TILE - 1u) / QUERY_TILE;
  let bh = group / tilesPerHead;
  if (bh >= params.batch * params.heads) {
    return;
  }
  let b = bh / params.heads;
  let h = bh % params.heads;
  let query = (group % tilesPerHead) * QUERY_TILE + lane;
  let isQuery = query < params.queries;

  var qv: array<vec4f, MAX_HEAD_VECS>;
  var acc: array<vec4f, MAX_HEAD_VECS>;
  var queryLevel = 0u;
  if (isQuery) {
    let qBase = params.qOffset + b * params.qBatchStride + h * params.qHeadStride + query * params.qTokenStride;
    for (var c = 0u; c < HEAD_VECS; c++) {
      qv[c] = q[qBase + c] * params.scale;
      acc[c] = vec4f(0.0);
    }
    if (MASK_BY_LEVEL) {
      queryLevel = levels[params.firstQueryPosition + query];
    }
  }
  var runningMax = LOWEST;
  var runningSum = 0.0;
  let kBase = params.kOffset + b * params.kBatchStride + h * params.kHeadStride;
  let vBase = params.vOffset + b * params.vBatchStride + h * params.vHeadStride;

  for (var start = 0u; start < params.keys; start += KEY_TILE) {
    for (var i = lane; i < KEY_TILE * HEAD_VECS; i += QUERY_TILE) {
      let j = start + i / HEAD_VECS;
      let c = i % HEAD_VECS;
      if (j < params.keys) {
        tileK[i] = loadK(kBase + j * params.kTokenStride + c);
        tileV[i] = loadV(vBase + j * params.vTokenStride + c);
      }
    }
    workgroupBarrier();
    if (isQuery) {
      let count = min(KEY_TILE, params.keys - start);
      for (var jj = 0u; jj < count; jj++) {
        if (MASK_BY_LEVEL && levels[start + jj] > queryLevel) {
          continue;
        }
        let row = jj * HEAD_VECS;
        var s = 0.0;
        for (var c = 0u; c < HEAD_VECS; c++) {
          s += dot(qv[c], tileK[row + c]);
        }
        // Online softmax: rescale what was accumulated when a new maximum arrives.
        if (s > runningMax) {
          let correction = exp(runningMax - s);
          runningSum = runningSum * correction + 1.0;
          for (var c = 0u; c < HEAD_VECS; c++) {
            acc[c] = acc[c] * correction + tileV[row + c];
          }
          runningMax = s;
        } else {
          let p = exp(s - runningMax);
          runningSum += p;
          for (var c = 0u; c < HEAD_VECS; c++) {
            acc[c] += p * tileV[row + c];
          }
        }
      }
    }
    workgroupBarrier();
  }

  if (isQuery) {
    let outBase = ((b * params.queries + query) * params.heads + h) * HEAD_VECS;
    let inverseSum = 1.0 / runningSum;
    for (var c = 0u; c < HEAD_VECS; c++) {
      out[outBase + c] = acc[c] * inverseSum;
    }
  }
}
