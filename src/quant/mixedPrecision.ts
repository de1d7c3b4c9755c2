/**
 * Per-layer mixed precision under an average-bit budget (the `-mp<B>` setting of issue 15): given each Linear's
 * sensitivity (the model's output error with that Linear alone quantised at b bits, the others at full precision),
 * choose bits per Linear so that the parameter-weighted average of code bits stays within the budget and the summed
 * sensitivity is small. Summing per-layer errors assumes they add up, as HAWQ-style allocators do; the sensitivity
 * view shows the measured errors so that a user can judge that.
 *
 * Exact when it is cheap: a multiple-choice knapsack solved by dynamic programming over the bits above the lowest
 * width, in units of the gcd of the Linears' sizes (a transformer's Linears are multiples of width^2, so the table
 * is small: a few thousand cells for the zoo, about a million for an official d16). When the table would exceed
 * EXACT_CELLS, greedy by marginal gain: every Linear starts at the lowest width, then the upgrade (one Linear to a
 * wider width) that removes the most error per added bit is applied while it fits and lowers the error.
 * Scales are left out of the average: every Linear keeps the setting's granularity, so they add the same bits per
 * weight whichever code width a Linear gets.
 */

export interface LayerSensitivity {
  readonly name: string;
  /** Weights of the Linear: its share of the average. */
  readonly params: number;
  /** Output error with this Linear alone at b code bits, for every candidate b. */
  readonly errorByBits: ReadonlyMap<number, number>;
}

export interface BitAllocation {
  readonly bitsByLayer: ReadonlyMap<string, number>;
  /** Parameter-weighted mean code bits of the allocation (<= the budget). */
  readonly averageBits: number;
  /** Sum of the chosen per-layer errors: the allocator's own estimate, not a measurement. */
  readonly predictedError: number;
}

export class MixedPrecisionError extends Error {
  readonly code = 'invalid-mixed-precision';
  constructor(
    message: string,
    readonly fix: string,
  ) {
    super(message);
    this.name = 'MixedPrecisionError';
  }
}

/** Table cells (layers x capacity units) up to which the allocation is solved exactly. */
export const EXACT_CELLS = 20_000_000;

/** Allocates bits from `candidates` (code widths, e.g. [2, 3, 4, 8]) with an average of at most `budget`. */
export function allocateBits(
  layers: readonly LayerSensitivity[],
  candidates: readonly number[],
  budget: number,
  { exactCells = EXACT_CELLS }: { exactCells?: number } = {},
): BitAllocation {
  const widths = [...new Set(candidates)].sort((a, b) => a - b);
  if (layers.length === 0 || widths.length === 0)
    throw new MixedPrecisionError(
      'Mixed precision needs at least one Linear and one bit width.',
      'Pick a model with quantised Linears.',
    );
  const lowest = widths[0]!;
  const highest = widths[widths.length - 1]!;
  if (!(budget >= lowest && budget <= highest))
    throw new MixedPrecisionError(
      `An average of ${budget} bits is outside what the widths ${widths.join(', ')} can reach (${lowest} to ${highest}).`,
      `Choose an average between ${lowest} and ${highest} bits.`,
    );
  for (const l of layers) {
    for (const b of widths)
      if (!Number.isFinite(l.errorByBits.get(b)))
        throw new MixedPrecisionError(
          `The sensitivity of ${l.name} at ${b} bits is missing.`,
          'Measure every Linear at every candidate width before allocating.',
        );
  }
  const totalParams = layers.reduce((s, l) => s + l.params, 0);
  const unit = layers.reduce((g, l) => gcd(g, l.params), 0);
  const capacity = Math.floor(((budget - lowest) * totalParams) / unit + 1e-9);
  const level =
    layers.length * (capacity + 1) <= exactCells
      ? exactLevels(layers, widths, unit, capacity)
      : greedyLevels(layers, widths, budget * totalParams);
  const bitSum = layers.reduce((s, l, i) => s + widths[level[i]!]! * l.params, 0);
  const bitsByLayer = new Map(layers.map((l, i) => [l.name, widths[level[i]!]!]));
  const predictedError = layers.reduce((s, l, i) => s + l.errorByBits.get(widths[level[i]!]!)!, 0);
  return { bitsByLayer, averageBits: bitSum / totalParams, predictedError };
}

const errorAt = (l: LayerSensitivity, width: number): number => l.errorByBits.get(width)!;

function gcd(a: number, b: number): number {
  while (b) [a, b] = [b, a % b];
  return a;
}

/** Multiple-choice knapsack: best[c] = least error of the Linears so far using c units above the lowest width. */
function exactLevels(layers: readonly LayerSensitivity[], widths: number[], unit: number, capacity: number): number[] {
  const lowest = widths[0]!;
  let best = new Float64Array(capacity + 1);
  const choice = layers.map(() => new Uint8Array(capacity + 1));
  for (let i = 0; i < layers.length; i++) {
    const l = layers[i]!;
    const next = new Float64Array(capacity + 1).fill(Infinity);
    for (let w = 0; w < widths.length; w++) {
      const cost = ((widths[w]! - lowest) * l.params) / unit;
      const error = errorAt(l, widths[w]!);
      for (let c = cost; c <= capacity; c++) {
        const e = best[c - cost]! + error;
        if (e < next[c]!) {
          next[c] = e;
          choice[i]![c] = w;
        }
      }
    }
    best = next;
  }
  let c = 0;
  for (let k = 1; k <= capacity; k++) if (best[k]! < best[c]!) c = k;
  const level = layers.map(() => 0);
  for (let i = layers.length - 1; i >= 0; i--) {
    level[i] = choice[i]![c]!;
    c -= ((widths[level[i]!]! - lowest) * layers[i]!.params) / unit;
  }
  return level;
}

function greedyLevels(layers: readonly LayerSensitivity[], widths: number[], bitLimit: number): number[] {
  const level = layers.map(() => 0);
  let bitSum = layers.reduce((s, l) => s + widths[0]! * l.params, 0);
  const limit = bitLimit * (1 + 1e-12);
  for (;;) {
    // The best upgrade of any Linear to any wider width (not only the next one, so that a width that does not
    // help on its own does not block a wider one that does); only upgrades that lower the error.
    let best: { layer: number; to: number; cost: number } | undefined;
    let bestGain = 0;
    for (let i = 0; i < layers.length; i++) {
      const l = layers[i]!;
      const from = widths[level[i]!]!;
      for (let to = level[i]! + 1; to < widths.length; to++) {
        const cost = (widths[to]! - from) * l.params;
        if (bitSum + cost > limit) break;
        const gain = (errorAt(l, from) - errorAt(l, widths[to]!)) / cost;
        if (gain > bestGain) {
          bestGain = gain;
          best = { layer: i, to, cost };
        }
      }
    }
    if (!best) return level;
    bitSum += best.cost;
    level[best.layer] = best.to;
  }
}
