/**
 * The Pareto frontier of (bits, quality metric, lower is better: FD or KID): the points no other point beats on
 * both, i.e. the best quality any configuration reaches within a bit budget. Drawn as a step line: the value
 * stays until a budget that buys a better one.
 */
export interface BitsValue {
  readonly x: number;
  readonly value: number;
}

/** Non-dominated points (no other point has x <= and value <= with one strictly lower), sorted by x. */
export function paretoFrontier<T extends BitsValue>(points: readonly T[]): T[] {
  const finite = points.filter((p) => Number.isFinite(p.x) && Number.isFinite(p.value));
  const sorted = [...finite].sort((a, b) => a.x - b.x || a.value - b.value);
  const frontier: T[] = [];
  let best = Infinity;
  for (const p of sorted) {
    if (p.value < best) {
      frontier.push(p);
      best = p.value;
    }
  }
  return frontier;
}

/** Step-line vertices for the frontier, extended flat to `xEnd` so the last level reads as "from here on". */
export function frontierSteps(frontier: readonly BitsValue[], xEnd?: number): BitsValue[] {
  const steps = frontier.map(({ x, value }) => ({ x, value }));
  const last = steps[steps.length - 1];
  if (last && xEnd !== undefined && xEnd > last.x) steps.push({ x: xEnd, value: last.value });
  return steps;
}
