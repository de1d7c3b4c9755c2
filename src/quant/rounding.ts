/**
 * Round half to even, as WGSL round() and torch.round() do (Math.round rounds halves towards +Infinity, which
 * would bias every .5 upwards and disagree with the GPU kernels).
 */
export function roundHalfEven(x: number): number {
  if (!Number.isFinite(x)) return x;
  const floor = Math.floor(x);
  const frac = x - floor; // exact for doubles
  if (frac < 0.5) return floor;
  if (frac > 0.5) return floor + 1;
  return floor % 2 === 0 ? floor : floor + 1;
}
