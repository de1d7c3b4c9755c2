// Adds position-dependent rows to token activations x [batch, tokens, channels]:
//   x[b, l, :] = (ACCUMULATE ? x[b, l, :] : 0)
//                + pos[posOffset + l, :]                                   (HAS_POS)
//                + levelTable[levels[posOffset + l], :]                    (HAS_LEVELS)
//                + perSample[b, :]                                         (HAS_PER_SAMPLE)
// VAR: pos_1LC + lvl_embed by scale index (posOffset = tokens of earlier scales), and for the first token the
// class vector + pos_start; DiT: the fixed pos_embed. One invocation per element.

struct Params {
  count: u32,
  channels: u32,
  tokens: u32,
  posOffset: u32,
  levelRows: u32,
}

override WORKGROUP_SIZE: u32 = 256u;
override ACCUMULATE: bool = true;
override HAS_POS: bool = true;
override HAS_LEVELS: bool = false;
override HAS_PER_SAMPLE: bool = false;

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> pos: array<f32>;
@group(0) @binding(2) var<storage, read> levelTable: array<f32>;
@group(0) @binding(3) var<storage, read> levels: array<u32>;
@group(0) @binding(4) var<storage, read> perSample: array<f32>;
@group(0) @binding(5) var<storage, read_write> x: array<f32>;

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) groups: vec3u) {
  let i = gid.x + gid.y * groups.x * WORKGROUP_SIZE;
  if (i >= params.count) {
    return;
  }
  let C = params.channels;
  let row = i / C;
  let c = i - row * C;
  let position = params.posOffset + row % params.tokens;
  var v = 0.0;
  if (ACCUMULATE) {
    v = x[i];
  }
  if (HAS_POS) {
    v += pos[position * C + c];
  }
  if (HAS_LEVELS) {
    v += levelTable[min(levels[position], params.levelRows - 1u) * C + c];
  }
  if (HAS_PER_SAMPLE) {
    v += perSample[(row / params.tokens) * C + c];
  }
  x[i] = v;
}
