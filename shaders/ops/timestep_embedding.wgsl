// DiT timestep embedding: out[b, i] = cos(t[b] * freq[i]), out[b, half + i] = sin(t[b] * freq[i]) (cos first),
// freq[i] = exp(-ln(10000) * i / half) supplied as a buffer holding PyTorch's exact f32 values, so the argument
// t * freq is the same f32 product PyTorch forms. An odd dim leaves a last column of 0.
// The argument reaches ~1000 rad, far outside where WGSL's sin/cos promise accuracy, so sin and cos are
// evaluated here: Cody-Waite reduction by pi/2 with a three-part constant (exact for |k| < 2^14), then the
// Cephes single-precision polynomials on [-pi/4, pi/4] (about 1 ulp).

struct Params {
  batch: u32,
  dim: u32,
  half: u32,
}

override WORKGROUP_SIZE: u32 = 256u;

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> t: array<f32>;
@group(0) @binding(2) var<storage, read> freqs: array<f32>;
@group(0) @binding(3) var<storage, read_write> out: array<f32>;

const TWO_OVER_PI: f32 = 0.636619772367581343;
// pi/2 = PIO2_1 + PIO2_2 + PIO2_3; the first two have few significant bits so k * PIO2_x is exact.
const PIO2_1: f32 = 1.5703125;
const PIO2_2: f32 = 4.837512969970703125e-4;
const PIO2_3: f32 = 7.54978995489188216e-8;

fn sinPoly(r: f32) -> f32 {
  let z = r * r;
  return r + r * z * (-1.6666654611e-1 + z * (8.3321608736e-3 + z * -1.9515295891e-4));
}

fn cosPoly(r: f32) -> f32 {
  let z = r * r;
  return 1.0 - 0.5 * z + z * z * (4.166664568298827e-2 + z * (-1.388731625493765e-3 + z * 2.443315711809948e-5));
}

// (cos x, sin x).
fn cosSin(x: f32) -> vec2f {
  let k = round(x * TWO_OVER_PI);
  let r = ((x - k * PIO2_1) - k * PIO2_2) - k * PIO2_3;
  let c = cosPoly(r);
  let s = sinPoly(r);
  // x = k * pi/2 + r: rotate (cos r, sin r) by k quarter turns.
  switch (i32(k) & 3) {
    case 0: { return vec2f(c, s); }
    case 1: { return vec2f(-s, c); }
    case 2: { return vec2f(-c, -s); }
    default: { return vec2f(s, -c); }
  }
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) groups: vec3u) {
  let i = gid.x + gid.y * groups.x * WORKGROUP_SIZE;
  if (i >= params.batch * params.half) {
    return;
  }
  let b = i / params.half;
  let f = i - b * params.half;
  let cs = cosSin(t[b] * freqs[f]);
  let rowBase = b * params.dim;
  out[rowBase + f] = cs.x;
  out[rowBase + params.half + f] = cs.y;
  if (f == 0u && params.dim > 2u * params.half) {
    out[rowBase + params.dim - 1u] = 0.0;
  }
}
