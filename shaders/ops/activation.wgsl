// Elementwise activation, in place (dst = f(dst)) or out of place (dst = f(src)):
//   ACTIVATION 0: SiLU       x / (1 + exp(-x))
//   ACTIVATION 1: GELU tanh  0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))   (torch approximate='tanh')
// In place reads dst and leaves src unbound in practice (a placeholder is bound), because WebGPU cannot bind one
// buffer both read-only and writable in one dispatch.

struct Params {
  count: u32,
}

override WORKGROUP_SIZE: u32 = 256u;
override ACTIVATION: u32 = 0u;
override IN_PLACE: bool = false;

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> src: array<f32>;
@group(0) @binding(2) var<storage, read_write> dst: array<f32>;

const SQRT_2_OVER_PI: f32 = 0.7978845608028654;

fn activate(x: f32) -> f32 {
  if (ACTIVATION == 0u) {
    // exp(-x) overflows to +inf for x < -88 and x / inf = -0: the correct limit.
    return x / (1.0 + exp(-x));
  }
  // tanh saturates to +-1 in f32 beyond |u| = 9; clamping keeps implementations that compute tanh through exp
  // away from inf / inf.
  let u = clamp(SQRT_2_OVER_PI * (x + 0.044715 * x * x * x), -10.0, 10.0);
  return 0.5 * x * (1.0 + tanh(u));
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) groups: vec3u) {
  let i = gid.x + gid.y * groups.x * WORKGROUP_SIZE;
  if (i >= params.count) {
    return;
  }
  if (IN_PLACE) {
    dst[i] = activate(dst[i]);
  } else {
    dst[i] = activate(src[i]);
  }
}
