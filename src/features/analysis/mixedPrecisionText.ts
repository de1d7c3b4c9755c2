import type { MixedPrecisionResult } from '../../engine/analysis/types';

/**
 * One sentence: the allocation's average width and predicted error against the uniform widths around it. The
 * predicted errors add the table's single-Linear errors, which assumes the Linears' errors do not interact.
 */
export function allocationSummary(r: MixedPrecisionResult): string {
  const below = [...r.uniform].reverse().find((u) => u.bits <= r.averageBits + 1e-9);
  const above = r.uniform.find((u) => u.bits > r.averageBits + 1e-9);
  const parts = [
    `${r.layers.length} Linears at an average of ${r.averageBits.toFixed(2)} bits: predicted error ${r.predictedError.toPrecision(3)}`,
  ];
  if (below) parts.push(`every Linear at ${below.bits} bits: ${below.predictedError.toPrecision(3)}`);
  if (above) parts.push(`at ${above.bits} bits: ${above.predictedError.toPrecision(3)}`);
  return `${parts.join('; ')} (sum of the single-Linear errors, which assumes they do not interact).`;
}

/** A colour per width, from red (fewest bits of the table) to green (most). */
export function widthColour(bits: number, widths: readonly number[]): string {
  const lo = widths[0] ?? bits;
  const hi = widths[widths.length - 1] ?? bits;
  const t = hi > lo ? (bits - lo) / (hi - lo) : 1;
  return `hsl(${Math.round(10 + 110 * t)} 65% 78%)`;
}
