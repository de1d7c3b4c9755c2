// VAR token sampling, one workgroup per token row of logits [rows, vocab], with a recorded uniform u per row
// (docs/sampling.md; reference src/ops/sampling.ts, matching training/var_sampling.py):
//  1. top-k: keep logits >= the k-th largest. The k-th largest is found exactly, without sorting, as the
//     largest order-preserving key T with count(key >= T) >= k, built bit by bit (32 counting passes).
//  2. top-p: p = softmax(kept logits). PyTorch removes a token when the ascending cumulative probability up to
//     it is <= 1 - top_p; that cumulative is the mass of all probabilities <= its own, so the removed set is
//     {p <= T'} for the largest f32 bit pattern T' with mass(p <= T') <= 1 - top_p, again built bit by bit.
//     The most likely token is always kept.
//  3. draw: w = exp(logit - max) over kept tokens in vocabulary order; token = first index whose running sum
//     exceeds u * sum(w), clamped to the last kept index. Each invocation owns a contiguous chunk of the
//     vocabulary; a workgroup scan of chunk sums gives every chunk its starting prefix.
// Sums run in f32 in a different order than PyTorch's: a draw can differ only when u * total lies within
// rounding (~1e-6 relative) of a CDF step, or a probability within rounding of the top-p cut.

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
var<workgroup> chosen: atomic<u32>;
var<workgroup> lastKept: atomic<u32>;

const NONE: u32 = 0xffffffffu;

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

  // 3. draw over the kept tokens in index order.
  if (lane == 0u) {
    atomicStore(&chosen, NONE);
    atomicStore(&lastKept, 0u);
  }
  let chunk = (V + WORKGROUP_SIZE - 1u) / WORKGROUP_SIZE;
  let begin = min(lane * chunk, V);
  let end = min(begin + chunk, V);
  var chunkSum = 0.0;
  var chunkLastKept = NONE;
  for (var j = begin; j < end; j++) {
    let w = keptWeight(base + j, kthKey, rowMax, probTotal, removeAtOrBelow, removeBits);
    if (w >= 0.0) {
      chunkSum += w;
      chunkLastKept = j;
    }
  }
  // Inclusive scan of chunk sums (Hillis-Steele: read, barrier, write, barrier).
  partialF[lane] = chunkSum;
  workgroupBarrier();
  for (var offset = 1u; offset < WORKGROUP_SIZE; offset <<= 1u) {
    var add = 0.0;
    if (lane >= offset) {
      add = partialF[lane - offset];
    }
    workgroupBarrier();
    partialF[lane] += add;
    workgroupBarrier();
  }
  let total = partialF[WORKGROUP_SIZE - 1u];
  let drawPoint = uniforms[row] * total;
  var running = partialF[lane] - chunkSum;
  for (var j = begin; j < end; j++) {
    let w = keptWeight(base + j, kthKey, rowMax, probTotal, removeAtOrBelow, removeBits);
    if (w >= 0.0) {
      running += w;
      if (running > drawPoint) {
        atomicMin(&chosen, j);
        break;
      }
    }
  }
  if (chunkLastKept != NONE) {
    atomicMax(&lastKept, chunkLastKept);
  }
  workgroupBarrier();
  if (lane == 0u) {
    tokens[row] = min(atomicLoad(&chosen), atomicLoad(&lastKept));
  }
}

// The top-p probability, computed by one expression everywhere so the threshold search and the draw agree bit
// for bit.
fn probability(logit: f32, rowMax: f32, total: f32) -> f32 {
  return exp(logit - rowMax) / total;
}

// exp(logit - max) of a kept token, -1 for a removed one. The row maximum is always kept.
fn keptWeight(at: u32, kthKey: u32, rowMax: f32, probTotal: f32, removeAtOrBelow: bool, removeBits: u32) -> f32 {
  let l = logits[at];
  if (orderedKey(l) < kthKey) {
    return -1.0;
  }
  let w = exp(l - rowMax);
  if (removeAtOrBelow && l != rowMax) {
    let p = probability(l, rowMax, probTotal);
    if (bitcast<u32>(p) <= removeBits) {
      return -1.0;
    }
  }
  return w;
}
