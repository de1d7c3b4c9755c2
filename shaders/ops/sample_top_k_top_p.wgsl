// VAR token sampling, one workgroup per token row of logits [rows, vocab], with recorded uniforms [rows, vocab]
// (docs/sampling.md; reference src/ops/sampling.ts, matching training/var_sampling.py):
//  1. top-k: keep logits >= the k-th largest. The k-th largest is found exactly, without sorting, as the
//     largest order-preserving key T with count(key >= T) >= k, built bit by bit (32 counting passes).
//  2. top-p: p = softmax(kept logits). PyTorch removes a token when the ascending cumulative probability up to
//     it is <= 1 - top_p; that cumulative is the mass of all probabilities <= its own, so the removed set is
//     {p <= T'} for the largest f32 bit pattern T' with mass(p <= T') <= 1 - top_p, again built bit by bit.
//     The most likely token is always kept.
//  3. draw (Gumbel-max): token = the kept index with the largest logit - log(-log(u)), ties to the smallest.
//     Runs that share the uniforms draw different tokens only where their logits move the argmax.
// f32 here, f64 in PyTorch: a draw can differ only when two scores lie within rounding (~1e-6) of each other,
// or a probability within rounding of the top-p cut.

struct Params {
  rows: u32,
  vocab: u32,
  topK: u32,          // 0 or >= vocab: off
  topPEnabled: u32,
  oneMinusTopP: f32,
}

// Must be a power of two (tree reductions and the scan).
override WORKGROUP_SIZE: u32 = 256u;

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> logits: array<f32>;
@group(0) @binding(2) var<storage, read> uniforms: array<f32>;
@group(0) @binding(3) var<storage, read_write> tokens: array<u32>;

var<workgroup> partialF: array<f32, WORKGROUP_SIZE>;
var<workgroup> partialU: array<u32, WORKGROUP_SIZE>;
const NONE: u32 = 0xffffffffu;
// The smallest uniform the draw uses (u = 0 would give g = -inf); 2^-24, exact in f32.
const MIN_UNIFORM: f32 = 5.9604644775390625e-8;

// Maps f32 to u32 so that unsigned order equals float order (negative floats: all bits flipped).
fn orderedKey(x: f32) -> u32 {
  let bits = bitcast<u32>(x);
  if ((bits & 0x80000000u) != 0u) {
    return ~bits;
  }
  return bits | 0x80000000u;
}

fn sumU(value: u32, lane: u32) -> u32 {
  partialU[lane] = value;
  workgroupBarrier();
  for (var stride = WORKGROUP_SIZE / 2u; stride > 0u; stride >>= 1u) {
    if (lane < stride) {
      partialU[lane] += partialU[lane + stride];
    }
    workgroupBarrier();
  }
  let total = partialU[0];
  workgroupBarrier();
  return total;
}

fn sumF(value: f32, lane: u32) -> f32 {
  partialF[lane] = value;
  workgroupBarrier();
  for (var stride = WORKGROUP_SIZE / 2u; stride > 0u; stride >>= 1u) {
    if (lane < stride) {
      partialF[lane] += partialF[lane + stride];
    }
    workgroupBarrier();
  }
  let total = partialF[0];
  workgroupBarrier();
  return total;
}

fn maxF(value: f32, lane: u32) -> f32 {
  partialF[lane] = value;
  workgroupBarrier();
  for (var stride = WORKGROUP_SIZE / 2u; stride > 0u; stride >>= 1u) {
    if (lane < stride) {
      partialF[lane] = max(partialF[lane], partialF[lane + stride]);
    }
    workgroupBarrier();
  }
  let result = partialF[0];
  workgroupBarrier();
  return result;
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) groups: vec3u, @builtin(local_invocation_index) lane: u32) {
  let row = wid.x + wid.y * groups.x;
  if (row >= params.rows) {
    return;
  }
  let V = params.vocab;
  let base = row * V;

  // 1. top-k threshold on ordered keys (0 keeps everything).
  var kthKey = 0u;
  if (params.topK > 0u && params.topK < V) {
    for (var bit = 31; bit >= 0; bit--) {
      let candidate = kthKey | (1u << u32(bit));
      var count = 0u;
      for (var j = lane; j < V; j += WORKGROUP_SIZE) {
        count += select(0u, 1u, orderedKey(logits[base + j]) >= candidate);
      }
      if (sumU(count, lane) >= params.topK) {
        kthKey = candidate;
      }
    }
  }

  var localMax = -3.4e38;
  for (var j = lane; j < V; j += WORKGROUP_SIZE) {
    localMax = max(localMax, logits[base + j]);
  }
  // The maximum always survives top-k, so it is also the maximum of the kept logits.
  let rowMax = maxF(localMax, lane);

  // 2. top-p: probabilities <= removeBits are removed (none when off: removeBits stays below every pattern).
  var removeAtOrBelow = false;
  var removeBits = 0u;
  var probTotal = 1.0;
  if (params.topPEnabled != 0u) {
    var localSum = 0.0;
    for (var j = lane; j < V; j += WORKGROUP_SIZE) {
      let l = logits[base + j];
      if (orderedKey(l) >= kthKey) {
        localSum += exp(l - rowMax);
      }
    }
    probTotal = sumF(localSum, lane);
    // Probabilities are >= 0, so their bit patterns (sign bit clear) order like their values.
    var threshold = 0u;
    for (var bit = 30; bit >= 0; bit--) {
      let candidate = threshold | (1u << u32(bit));
      var mass = 0.0;
      for (var j = lane; j < V; j += WORKGROUP_SIZE) {
        let l = logits[base + j];
        if (orderedKey(l) >= kthKey) {
          let p = probability(l, rowMax, probTotal);
          if (bitcast<u32>(p) <= candidate) {
            mass += p;
          }
        }
      }
      if (sumF(mass, lane) <= params.oneMinusTopP) {
        threshold = candidate;
      }
    }
    // Pattern 0 itself qualifies: mass(p <= 0) counts only exact zeros, 0 <= 1 - top_p.
    removeAtOrBelow = true;
    removeBits = threshold;
  }

  // 3. Gumbel-max draw: the kept token with the largest logit + g, g = -log(-log(max(u, 2^-24))); ties go to
  // the smallest index. Each invocation scans a strided share of the row, then a tree reduction picks the best.
  var best = -3.4e38;
  var bestIndex = NONE;
  for (var j = lane; j < V; j += WORKGROUP_SIZE) {
    if (isKept(base + j, kthKey, rowMax, probTotal, removeAtOrBelow, removeBits)) {
      let score = logits[base + j] - log(-log(max(uniforms[base + j], MIN_UNIFORM)));
      // j grows within a lane, so a tie keeps the earlier index.
      if (bestIndex == NONE || score > best) {
        best = score;
        bestIndex = j;
      }
    }
  }
  partialF[lane] = best;
  partialU[lane] = bestIndex;
  workgroupBarrier();
  for (var stride = WORKGROUP_SIZE / 2u; stride > 0u; stride >>= 1u) {
    if (lane < stride) {
      let otherIndex = partialU[lane + stride];
      let other = partialF[lane + stride];
      let mine = partialU[lane];
      if (otherIndex != NONE && (mine == NONE || other > partialF[lane] || (other == partialF[lane] && otherIndex < mine))) {
        partialF[lane] = other;
        partialU[lane] = otherIndex;
      }
    }
    workgroupBarrier();
  }
  if (lane == 0u) {
    tokens[row] = partialU[0];
  }
}

// The top-p probability, computed by one expression everywhere so the threshold search and the draw agree bit
// for bit.
fn probability(logit: f32, rowMax: f32, total: f32) -> f32 {
  return exp(logit - rowMax) / total;
}

// Whether a token survives top-k and top-p. The row maximum is always kept.
fn isKept(at: u32, kthKey: u32, rowMax: f32, probTotal: f32, removeAtOrBelow: bool, removeBits: u32) -> bool {
  let l = logits[at];
  if (orderedKey(l) < kthKey) {
    return false;
  }
  if (removeAtOrBelow && l != rowMax) {
    return bitcast<u32>(probability(l, rowMax, probTotal)) > removeBits;
  }
  return true;
}
