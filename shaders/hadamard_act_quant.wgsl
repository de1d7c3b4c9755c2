// Randomized Hadamard rotation of each token's row, fused before the activation fake quantiser (the -had modifier,
// src/quant/hadamard.ts): y = fakeQuant(x R) with R = blockdiag(H_BLOCK, ...) D / sqrt(BLOCK), or y = x R when
// !QUANTISE (A16 settings, whose weights are rotated too). One workgroup per token; the whole row sits in workgroup
// memory, where each Hadamard stage is a butterfly over pairs (i, i + h) separated by a barrier, so a row of COLS
// values costs log2(BLOCK) passes over workgroup memory and one read and one write of global memory.
// Prepended: shaders/common/act_quant.wgsl (formats, bindings, fakeQuant, divideByQmax). The grid is 2D when there
// are more than 65535 tokens.

// Must be a power of two (tree reduction of the absmax).
override WORKGROUP_SIZE: u32 = 256u;
// Row length: the Linear's input dimension K.
override COLS: u32;
// Hadamard block size: a power of two dividing COLS (the largest one, hadamardBlockSize in src/quant/hadamard.ts).
override BLOCK: u32;
// f32(1 / sqrt(BLOCK)), computed on the host (inverseSqrt carries no exactness promise in WGSL).
override NORM: f32;
// Seed of the column signs d_j (HADAMARD_SEED).
override SEED: u32;
override QUANTISE: bool = true;

var<workgroup> row: array<f32, COLS>;
var<workgroup> rowMax: array<f32, WORKGROUP_SIZE>;

// lowbias32 (hash32 in src/quant/hadamard.ts); u32 multiplication wraps, as Math.imul does.
fn hash32(v: u32) -> u32 {
  var h = v;
  h ^= h >> 16u;
  h *= 0x7feb352du;
  h ^= h >> 15u;
  h *= 0x846ca68bu;
  h ^= h >> 16u;
  return h;
}

fn signOf(col: u32) -> f32 {
  return select(1.0, -1.0, (hash32(SEED + col) >> 31u) == 1u);
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(
  @builtin(workgroup_id) workgroup: vec3u,
  @builtin(num_workgroups) workgroups: vec3u,
  @builtin(local_invocation_index) lane: u32,
) {
  let token = workgroup.x + workgroup.y * workgroups.x;
  // A token beyond the end still takes part in the barriers below (they must be reached uniformly).
  let tokenInRange = token < shape.tokens;
  let base = token * COLS;

  for (var k = lane; k < COLS; k += WORKGROUP_SIZE) {
    var v = 0.0;
    if (tokenInRange) {
      v = inputAt(base + k, k);
    }
    row[k] = v;
  }
  workgroupBarrier();
  // Stage h pairs i and i + h inside each span of 2h; spans never straddle a block (BLOCK is a multiple of 2h).
  for (var h = 1u; h < BLOCK; h <<= 1u) {
    for (var p = lane; p < COLS / 2u; p += WORKGROUP_SIZE) {
      let i = (p / h) * 2u * h + (p % h);
      let a = row[i];
      let b = row[i + h];
      row[i] = a + b;
      row[i + h] = a - b;
    }
    workgroupBarrier();
  }
  // Each lane finishes (signs, norm) and scans the same columns it writes below, so no barrier is needed here.
  var absmax = 0.0;
  for (var k = lane; k < COLS; k += WORKGROUP_SIZE) {
    let v = row[k] * signOf(k) * NORM;
    row[k] = v;
    absmax = max(absmax, abs(v));
  }
  var scale = shape.tensorScale;
  if (QUANTISE && PER_TOKEN) {
    rowMax[lane] = absmax;
    workgroupBarrier();
    for (var stride = WORKGROUP_SIZE / 2u; stride > 0u; stride >>= 1u) {
      if (lane < stride) {
        rowMax[lane] = max(rowMax[lane], rowMax[lane + stride]);
      }
      workgroupBarrier();
    }
    scale = divideByQmax(rowMax[0]);
  }
  if (!tokenInRange) {
    return;
  }
  for (var k = lane; k < COLS; k += WORKGROUP_SIZE) {
    var result = row[k];
    if (QUANTISE) {
      result = 0.0;
      if (scale > 0.0) {
        result = fakeQuant(row[k], scale);
      }
    }
    y[base + k] = result;
  }
}
