/**
 * Round half to even, as WGSL round() and torch.round() do (Math.round rounds halves towards +Infinity, which
 * would bias every .5 upwards and disagree with the GPU kernels). Zero results keep the sign of x.
 */
export function roundHalfEven(x: number): number {
  if (!Number.isFinite(x)) return x;
  const floor = Math.floor(x);
  const frac = x - floor; // exact for doubles
  const r = frac < 0.5 ? floor : frac > 0.5 ? floor + 1 : floor % 2 === 0 ? floor : floor + 1;
  // IEEE roundeven keeps the sign of a zero result (round(-0.4) is -0 on the GPU too).
  return r === 0 && x < 0 ? -0 : r;
}
