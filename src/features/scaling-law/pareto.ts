/**
 * The Pareto frontier of (bits, FD): the points no other point beats on both, i.e. the best quality any
 * configuration reaches within a bit budget. Drawn as a step line: FD stays until a budget that buys a better one.
 */
export interface BitsFd {
  readonly x: number;
  readonly fd: number;
}

/** Non-dominated points (no other point has x <= and fd <= with one strictly lower), sorted by x. */
export function paretoFrontier<T extends BitsFd>(points: readonly T[]): T[] {
  const finite = points.filter((p) => Number.isFinite(p.x) && Number.isFinite(p.fd));
  const sorted = [...finite].sort((a, b) => a.x - b.x || a.fd - b.fd);
  const frontier: T[] = [];
  let best = Infinity;
  for (const p of sorted) {
    if (p.fd < best) {
      frontier.push(p);
      best = p.fd;
    }
  }
  return frontier;
}

/** Step-line vertices for the frontier, extended flat to `xEnd` so the last level reads as "from here on". */
export function frontierSteps(frontier: readonly BitsFd[], xEnd?: number): BitsFd[] {
  const steps = frontier.map(({ x, fd }) => ({ x, fd }));
  const last = steps[steps.length - 1];
  if (last && xEnd !== undefined && xEnd > last.x) steps.push({ x: xEnd, fd: last.fd });
  return steps;
}
