/**
 * Do the two engines agree? A sweep file may hold points measured by the app's WebGPU engine (`npm run sweep`)
 * and by the PyTorch reference of the same quantizers (training/sweep_torch.py, merged with tools/sweep/merge.mjs).
 * Plain JavaScript so that the merge tool (node) and the unit tests (test/features/engineAgreement.test.ts) run the
 * one implementation; types in engineAgreement.d.mts.
 *
 * Pairs: a 'webgpu' point and a 'pytorch' point with equal modelId, setting (its canonical text), method, samples
 * (N), cfg and, for DiT, steps and sampler (VAR's scales are fixed by the model, so its steps are not compared).
 * Any of those different and the two are not the same measurement.
 *
 * Rule: they agree when |x_w - x_p| <= 3 * sqrt(se_w^2 + se_p^2), for FD and, where both carry it, KID. Why:
 *  - the errors add in quadrature because the engines do not share random draws (each has its own generator), so
 *    the two estimates are independent; the paired error of two points of one engine does not apply;
 *  - both points are biased alike (same N, same reference statistics, same classifier), so the bias of FD at small
 *    N cancels in the difference, and the jackknife errors cover what is left;
 *  - 3 errors, not 2: several pairs and two metrics are checked at once, and one honest pair beyond 2 errors is
 *    expected about once in 20 comparisons, beyond 3 about once in 370 (normal tails); a real engine difference
 *    (a quantizer off by one code, a wrong scale) moves FD by far more than 3 errors at the sweep's N.
 * The check holds when every pair agrees and there are at least MIN_PAIRS of them (one pair could agree by luck).
 */

export const AGREEMENT_SIGMAS = 3;
export const MIN_PAIRS = 3;

const METRICS = [
  { metric: 'fd', value: 'fd', se: 'fdStdErr' },
  { metric: 'kid', value: 'kid', se: 'kidSe' },
];

/** The fields that make two points the same measurement (see above). */
export function agreementKey(p) {
  const dit = p.family === 'dit';
  return [p.modelId, p.setting, p.method, p.samples, p.cfg, dit ? p.steps : '-', dit ? (p.sampler ?? '') : '-'].join(
    '|',
  );
}

/** a - b with the independent error, and whether it is within `sigmas` errors. */
export function compareMetric(a, b, { metric, value, se }, sigmas = AGREEMENT_SIGMAS) {
  const difference = a[value] - b[value];
  const stdError = Math.hypot(a[se], b[se]);
  const z = stdError > 0 ? Math.abs(difference) / stdError : difference === 0 ? 0 : Infinity;
  return { metric, webgpu: a[value], pytorch: b[value], difference, stdError, z, agrees: z <= sigmas };
}

const has = (p, m) => typeof p[m.value] === 'number' && typeof p[m.se] === 'number';

/**
 * Every doubly-measured (webgpu, pytorch) pair of `sweep.points` and the verdict. `problems` says, in words,
 * each pair that disagrees and, when there are too few pairs, how many there are and how to make more.
 */
export function checkEngineAgreement(sweep, { sigmas = AGREEMENT_SIGMAS, minPairs = MIN_PAIRS } = {}) {
  const byEngine = { webgpu: new Map(), pytorch: new Map() };
  for (const p of sweep.points) {
    const map = byEngine[p.engine];
    if (!map || p.partial) continue;
    const key = agreementKey(p);
    if (!map.has(key)) map.set(key, p);
  }
  const pairs = [];
  for (const [key, w] of byEngine.webgpu) {
    const t = byEngine.pytorch.get(key);
    if (!t) continue;
    const metrics = METRICS.filter((m) => has(w, m) && has(t, m)).map((m) => compareMetric(w, t, m, sigmas));
    pairs.push({
      key,
      modelId: w.modelId,
      setting: w.setting,
      method: w.method,
      samples: w.samples,
      metrics,
      agrees: metrics.length > 0 && metrics.every((m) => m.agrees),
    });
  }
  const problems = [];
  for (const pair of pairs) {
    if (pair.metrics.length === 0) problems.push(`${pair.modelId} ${pair.setting}: neither FD nor KID on both points`);
    for (const m of pair.metrics.filter((x) => !x.agrees))
      problems.push(
        `${pair.modelId} ${pair.setting} (N = ${pair.samples}): ${m.metric.toUpperCase()} webgpu ${fmt(m.webgpu)} vs pytorch ${fmt(m.pytorch)}, ` +
          `difference ${fmt(m.difference)} ± ${fmt(m.stdError)} is ${m.z.toFixed(1)} errors (more than ${sigmas})`,
      );
  }
  if (pairs.length < minPairs)
    problems.push(
      `only ${pairs.length} point${pairs.length === 1 ? '' : 's'} measured by both engines (at least ${minPairs} needed): ` +
        'measure the same (model, setting, N) with npm run sweep and training/sweep_torch.sh and merge them (docs/sweep.md, "Two engines")',
    );
  return { pairs, ok: problems.length === 0, problems };
}

function fmt(x) {
  const a = Math.abs(x);
  return a !== 0 && a < 0.1 ? x.toPrecision(3) : x.toFixed(2);
}
