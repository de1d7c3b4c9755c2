/** Ticks and labels for the log-scale bits axes (values span 1e5 .. 1e10 bits for the MNIST zoo). */

/** Mantissas for a range of less than a decade or two, where 1-2-5 leaves too few ticks (FD 25..150). */
export const DENSE_MANTISSAS = [1, 1.5, 2, 3, 4, 5, 6, 8] as const;

/**
 * 1-2-5 ticks inside [min, max]; only powers of ten when that would give more than `maxTicks`; the dense
 * mantissas when 1-2-5 gives fewer than 4 and they fit.
 */
export function logTicks(min: number, max: number, maxTicks = 8): number[] {
  const ticks = logTicks125(min, max, maxTicks);
  if (ticks.length >= 4 || !(min > 0) || !(max >= min)) return ticks;
  const dense: number[] = [];
  for (let e = Math.floor(Math.log10(min)); e <= Math.ceil(Math.log10(max)); e++) {
    for (const m of DENSE_MANTISSAS) {
      const v = Number((m * 10 ** e).toPrecision(6));
      if (v >= min * (1 - 1e-9) && v <= max * (1 + 1e-9)) dense.push(v);
    }
  }
  return dense.length > ticks.length && dense.length <= maxTicks ? dense : ticks;
}

function logTicks125(min: number, max: number, maxTicks: number): number[] {
  if (!(min > 0) || !(max >= min)) return [];
  const lo = Math.floor(Math.log10(min));
  const hi = Math.ceil(Math.log10(max));
  const inside = (v: number) => v >= min * (1 - 1e-9) && v <= max * (1 + 1e-9);
  const decades: number[] = [];
  for (let e = lo; e <= hi; e++) decades.push(10 ** e);
  const fine = decades.flatMap((d) => [d, 2 * d, 5 * d]).filter(inside);
  if (fine.length <= maxTicks && fine.length >= 2) return fine;
  const coarse = decades.filter(inside);
  if (coarse.length > maxTicks) {
    const step = Math.ceil(coarse.length / maxTicks);
    return coarse.filter((_, i) => i % step === 0);
  }
  if (coarse.length >= 2) return coarse;
  // Less than two decades: every other 1-2-5 tick; a range narrower than one step: its ends.
  if (fine.length >= 2) return fine.filter((_, i) => i % Math.ceil(fine.length / maxTicks) === 0);
  return [min, max];
}

/** A padded log domain around the data so the end points are not drawn on the axis. */
export function logDomain(values: readonly number[], pad = 1.35): [number, number] {
  const positive = values.filter((v) => v > 0 && Number.isFinite(v));
  if (positive.length === 0) return [1, 10];
  return [Math.min(...positive) / pad, Math.max(...positive) * pad];
}

const SI: ReadonlyArray<[number, string]> = [
  [1e12, 'T'],
  [1e9, 'G'],
  [1e6, 'M'],
  [1e3, 'k'],
];

/** 2500000 → "2.5M", 120000 → "120k", 1e9 → "1G" (bits). */
export function formatSi(value: number): string {
  for (const [scale, suffix] of SI) {
    if (Math.abs(value) >= scale) return `${trim(value / scale)}${suffix}`;
  }
  return trim(value);
}

function trim(v: number): string {
  const digits = Math.abs(v) >= 100 ? 0 : Math.abs(v) >= 10 ? 1 : 2;
  return String(Number(v.toFixed(digits)));
}

/**
 * A linear axis from 0 to a round number above the largest value (error bars included), with evenly spaced
 * 1-2-2.5-5 ticks. Points are drawn with their error bars clipped at 0: an FD is never negative, and a domain
 * stretched to a whisker below 0 gave recharts ticks such as 139.738995.
 */
export function linearAxis(values: readonly number[], maxTicks = 6): { domain: [number, number]; ticks: number[] } {
  const top = Math.max(0, ...values.filter((v) => Number.isFinite(v))) * 1.05;
  if (!(top > 0)) return { domain: [0, 1], ticks: [0, 1] };
  const raw = top / (maxTicks - 1);
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * magnitude).find((s) => s >= raw)!;
  const end = Math.ceil(top / step) * step;
  const ticks = Array.from({ length: Math.round(end / step) + 1 }, (_, i) => Number((i * step).toPrecision(12)));
  return { domain: [0, ticks[ticks.length - 1]!], ticks };
}
