/** Guards the run's time budget on slow adapters: predicts a case's run time from smaller sizes. */

/**
 * Run time at `size` from the same case at smaller sizes: t ~ size^e, with e fitted on the last two sizes
 * (clamped to 1..2: fixed costs make small sizes scale less than the K*N work) or e = 2 from a single size.
 */
export function predictRunMs(
  history: readonly { size: number; ms: number }[],
  size: number,
): { ms: number; basis: string } | undefined {
  const last = history[history.length - 1];
  if (!last || last.size >= size) return undefined;
  const prev = history[history.length - 2];
  const fitted = prev ? Math.log(last.ms / prev.ms) / Math.log(last.size / prev.size) : 2;
  const exponent = Math.min(2, Math.max(1, Number.isFinite(fitted) ? fitted : 2));
  const ms = last.ms * (size / last.size) ** exponent;
  const basis = `${last.ms.toFixed(0)} ms at K=N=${last.size}, scaled by size^${exponent.toFixed(2)}${prev ? ` (fitted on ${prev.size} and ${last.size})` : ' (K*N work)'}`;
  return { ms, basis };
}
