/**
 * The paper's claims, judged from a sweep file: one implementation, plain JavaScript so that both the app's
 * Claims panel (ClaimsView.tsx, through claims.d.mts) and `node scripts/sweep-claims.mjs` import it.
 *
 * Differences between two points are `difference(a, b, metric)`: a - b with the paired jackknife error when the
 * points share their draws (same seed, samples, steps, cfg, family, sampler) and both carry leave-one-group-out
 * values (src/metrics/jackknife.ts pairedDifference, the same formula), else sqrt(se_a^2 + se_b^2). A difference
 * is "significant" when |d| >= 2 se. Verdicts: 'holds', 'fails', 'mixed' (some evidence each way), 'inconclusive'
 * (nothing significant), 'partly' (distillation: better than k bits, short of k+1), 'not-measured' (the sweep has no
 * points that test it).
 *
 *  1. VAR keeps quality better than DiT at the same bits: per low-bit RTN setting (W4g32, W3g32, W2g32, FP4), the
 *     loss over fp32 of the largest VAR and the largest DiT, each paired with its own fp32; the claim holds at a
 *     setting when DiT's loss exceeds VAR's by 2 errors (the two losses are independent: different models).
 *  2. PTQ methods help little at very low bits: each GPTQ / SmoothQuant point at <= 4-bit weights or activations
 *     against RTN of the same setting (paired); "helps" = significantly better and recovering >= half of RTN's loss
 *     over fp32. Holds when no method helps, fails when every one does, per family.
 *  3. Distillation moves a k-bit point to the (k+1)-bit one: each QAT student against its teacher's RTN at k and
 *     at k+1 bits (paired: same draws). Holds for a student that beats RTN k significantly and is not
 *     significantly worse than RTN k+1; 'partly' when it beats k but stays short of k+1.
 *  4. Per-step error accumulates in DiT and is absorbed in VAR: a sweep stores end quality only, no per-step
 *     errors, so it cannot judge this: 'not-measured' (the playground's per-step traces show it per sample).
 *  5. Beyond the paper (issue 15, not a claim of the paper): each point with a modifier (-had, -lr, -tg, -mp)
 *     against (a) the same setting without it and (b) the bits-quality frontier of the model's plain RTN points
 *     at the same activation bits: the best such point with at most as many transformer bits. It moves the frontier ('holds') when it beats
 *     that point by 2 errors (paired where the draws are shared), by the difference shown; 'fails' when that RTN
 *     point is significantly better (the method costs more than it buys).
 */

const METRIC_FIELDS = { fd: ['fd', 'fdStdErr', 'fdLeaveOut'], kid: ['kid', 'kidSe', 'kidLeaveOut'] };
// engine: the WebGPU engine and the PyTorch reference draw their own random numbers, so their points never pair.
const DRAW_KEYS = ['seed', 'samples', 'steps', 'cfg', 'family', 'sampler', 'engine'];
export const LOW_BIT_SETTINGS = ['W4g32', 'W3g32', 'W2g32', 'Wfp4g32'];
/** One precision up, for the distillation claim (FP4's neighbour is W6g32, W4A8's W8A8). */
export const ONE_UP = { W2g32: 'W3g32', W3g32: 'W4g32', 'W4g32-A8': 'W8g32-A8', Wfp4g32: 'W6g32' };

/** a - b of one metric with its error; undefined when either point lacks the metric. */
export function difference(a, b, metric = 'fd') {
  const [value, stdErr, leaveOut] = METRIC_FIELDS[metric];
  if (!a || !b || typeof a[value] !== 'number' || typeof b[value] !== 'number') return undefined;
  const d = a[value] - b[value];
  const la = a[leaveOut];
  const lb = b[leaveOut];
  const paired =
    Array.isArray(la) &&
    Array.isArray(lb) &&
    la.length === lb.length &&
    la.length >= 2 &&
    a.seed !== undefined &&
    DRAW_KEYS.every((k) => a[k] === b[k]);
  if (paired) {
    const g = la.length;
    const deltas = la.map((t, q) => t - lb[q]);
    const bar = deltas.reduce((s, x) => s + x, 0) / g;
    return {
      difference: d,
      stdError: Math.sqrt(((g - 1) / g) * deltas.reduce((s, x) => s + (x - bar) ** 2, 0)),
      paired: true,
    };
  }
  return { difference: d, stdError: Math.hypot(a[stdErr] ?? NaN, b[stdErr] ?? NaN), paired: false };
}

export const significant = (d) =>
  d !== undefined && Number.isFinite(d.stdError) && Math.abs(d.difference) >= 2 * d.stdError;

export function formatDifference(d, metric = 'fd') {
  if (!d) return '–';
  const digits = metric === 'kid' ? 4 : 1;
  const sign = d.difference >= 0 ? '+' : '';
  return `${sign}${d.difference.toFixed(digits)} ± ${d.stdError.toFixed(digits)}${d.paired ? 'p' : ''}${significant(d) ? '' : ' ~'}`;
}

const isStudent = (p) => typeof p.method === 'string' && p.method.startsWith('qat');
const isPtq = (p) => typeof p.method === 'string' && (p.method.startsWith('gptq') || p.method.startsWith('sq'));
const plainSetting = (setting) => setting.replace(/-gptq\d*$/, '').replace(/-sq[0-9.]+$/, '');
const short = (id) => id.replace(/^mnist-/, '');

function lowBits(p) {
  const a = typeof p.activationBits === 'number' && p.activationBits < 32 ? p.activationBits : 32;
  return Math.min(p.weightBits ?? 32, a) <= 4;
}

/** One verdict from per-comparison results ('holds' | 'fails' | 'partly' | 'inconclusive'). */
export function combine(results) {
  const yes = results.filter((r) => r === 'holds').length;
  const no = results.filter((r) => r === 'fails').length;
  const part = results.filter((r) => r === 'partly').length;
  if (results.length === 0) return 'not-measured';
  if ([yes > 0, no > 0, part > 0].filter(Boolean).length > 1) return 'mixed';
  if (yes > 0) return 'holds';
  if (no > 0) return 'fails';
  if (part > 0) return 'partly';
  return 'inconclusive';
}

/** Claims of the paper judged on `sweep` ({ formatVersion, config, points }) with `metric` ('fd' | 'kid'). */
export function judgeClaims(sweep, metric = 'fd') {
  const points = sweep.points.filter((p) => !p.partial);
  const find = (modelId, setting, method) =>
    points.find((p) => p.modelId === modelId && p.setting === setting && (!method || p.method === method));
  const base = points.filter((p) => !isStudent(p));
  const caveats = [];
  if (sweep.formatVersion === 1) {
    caveats.push(
      'This sweep is formatVersion 1: its errors came from class-aligned jackknife groups (each group one whole class), which overstate a point\'s own error several times; differences that read "within noise" here may not be.',
    );
  }
  caveats.push(
    `N = ${sweep.config.samples} samples per point; ${metric.toUpperCase()} compared only within this file.`,
  );
  return {
    metric,
    caveats,
    claims: [
      varVersusDit(base, find, metric),
      ptqMethods(points, find, metric),
      distillation(points, find, metric),
      stepErrors(),
      beyondThePaper(points, find, metric),
    ],
  };
}

function largest(base, family) {
  const ids = [...new Set(base.filter((p) => p.family === family && p.setting === 'fp32').map((p) => p.modelId))];
  return ids.sort(
    (a, b) => (base.find((p) => p.modelId === b).depth ?? 0) - (base.find((p) => p.modelId === a).depth ?? 0),
  )[0];
}

function varVersusDit(base, find, metric) {
  const v = largest(base, 'var');
  const d = largest(base, 'dit');
  const evidence = [];
  const results = [];
  if (v && d) {
    for (const s of LOW_BIT_SETTINGS) {
      const lv = difference(find(v, s, 'rtn'), find(v, 'fp32'), metric);
      const ld = difference(find(d, s, 'rtn'), find(d, 'fp32'), metric);
      if (!lv || !ld) continue;
      const gap = {
        difference: ld.difference - lv.difference,
        stdError: Math.hypot(ld.stdError, lv.stdError),
        paired: false,
      };
      const r = significant(gap) ? (gap.difference > 0 ? 'holds' : 'fails') : 'inconclusive';
      results.push(r);
      evidence.push(
        `${s}: ${short(v)} loses ${formatDifference(lv, metric)}, ${short(d)} loses ${formatDifference(ld, metric)}; DiT - VAR ${formatDifference(gap, metric)} (${r})`,
      );
    }
  }
  return {
    id: 'var-vs-dit',
    statement:
      'VAR (discrete tokens) keeps its quality under weight quantisation better than DiT (continuous latents) at the same bits.',
    verdict: combine(results),
    evidence,
    wouldChange:
      'A low-bit setting where the largest DiT loses significantly less than the largest VAR (the claim fails there), or, for settings now "not distinguishable", a larger N (each loss\'s paired error shrinks about as 1/sqrt(N)). Comparing models of equal fp32 quality instead of the largest of each family changes which pairs are compared.',
  };
}

function ptqMethods(points, find, metric) {
  const evidence = [];
  const perFamily = { var: [], dit: [] };
  for (const p of points.filter((q) => isPtq(q) && lowBits(q))) {
    const rtn = find(p.modelId, plainSetting(p.setting), 'rtn');
    const fp = find(p.modelId, 'fp32');
    const gain = difference(rtn, p, metric); // > 0: the method is better
    const loss = difference(rtn, fp, metric);
    if (!gain) continue;
    // The share of RTN's loss the method recovers, only where that loss is itself measurable.
    const recovered = loss && significant(loss) && loss.difference > 0 ? gain.difference / loss.difference : NaN;
    const helps = significant(gain) && gain.difference > 0 && recovered >= 0.5;
    const r = helps ? 'fails' : 'holds';
    (perFamily[p.family] ?? []).push(r);
    evidence.push(
      `${short(p.modelId)} ${p.setting} (${p.method}): RTN - method ${formatDifference(gain, metric)}${Number.isFinite(recovered) ? `, recovers ${(100 * recovered).toFixed(0)}% of RTN's loss` : ''} (${helps ? 'helps' : 'helps little'})`,
    );
  }
  const verdicts = Object.fromEntries(Object.entries(perFamily).map(([f, rs]) => [f, combine(rs)]));
  const all = [...perFamily.var, ...perFamily.dit];
  return {
    id: 'ptq-methods',
    statement: 'Common PTQ methods (GPTQ, SmoothQuant) help little at very low bits (<= 4-bit weights or activations).',
    verdict: combine(all),
    perFamily: verdicts,
    evidence,
    wouldChange:
      "A method point that is better than RTN at the same setting by 2 paired errors and recovers at least half of RTN's loss over fp32 (the claim then fails for that family); GPTQ calibrated on 128 images (points named gptq128) may differ from the 10-image points of older files.",
  };
}

function distillation(points, find, metric) {
  const evidence = [];
  const results = [];
  const perFamily = { var: [], dit: [] };
  for (const p of points.filter(isStudent)) {
    const teacher = p.modelId.replace(/-qat-.*/, '');
    const k = difference(p, find(teacher, p.setting, 'rtn'), metric);
    const k1 = difference(p, find(teacher, ONE_UP[p.setting] ?? '', 'rtn'), metric);
    if (!k) continue;
    const beatsK = significant(k) && k.difference < 0;
    const reachesK1 = k1 !== undefined && !(significant(k1) && k1.difference > 0);
    const r = beatsK && reachesK1 ? 'holds' : beatsK ? 'partly' : k1 && reachesK1 ? 'inconclusive' : 'fails';
    results.push(r);
    (perFamily[p.family] ?? []).push(r);
    evidence.push(
      `${short(p.modelId)} (${p.setting}): vs RTN k ${formatDifference(k, metric)}, vs RTN k+1 ${k1 ? `${ONE_UP[p.setting]} ${formatDifference(k1, metric)}` : '–'} (${r})`,
    );
  }
  return {
    id: 'distillation',
    statement:
      'Distillation into the quantised model (QAT students) moves a k-bit point to where the (k+1)-bit RTN point is.',
    verdict: combine(results),
    perFamily: Object.fromEntries(Object.entries(perFamily).map(([f, rs]) => [f, combine(rs)])),
    evidence,
    wouldChange:
      "A student significantly worse than its teacher's RTN one precision up (it then moves less than a level), or not better than RTN at its own bits; where RTN at k bits already loses nothing, no student can show the shift, so lower k or larger N.",
  };
}

function stepErrors() {
  return {
    id: 'step-errors',
    statement:
      "Per-step quantisation error accumulates along a DiT trajectory and is absorbed by VAR's codebook snapping.",
    verdict: 'not-measured',
    evidence: [
      "A sweep stores the end quality of each point, not per-step errors; the playground's per-step traces (VAR: token agreement and f_hat error per scale; DiT: x_t error per step) show it sample by sample.",
    ],
    wouldChange:
      "Per-step errors against fp32 on shared draws stored per sweep point (e.g. DiT's x_t relative error at each step and VAR's token agreement per scale, with their errors over samples): growth over DiT steps with flat VAR scales would support it.",
  };
}

/** Setting modifier tokens (src/quant/vocabulary.ts TRANSFORM_ROWS) as they appear in a setting's text. */
const MODIFIER = /-(had|lr\d+|tg\d+|mp[\d.]+)(?=-|$)/g;
const withoutModifiers = (setting) => setting.replace(MODIFIER, '');
const bitsOf = (p) => p.transformerBits ?? p.totalWeightBits;

function beyondThePaper(points, find, metric) {
  const evidence = [];
  const perFamily = { var: [], dit: [] };
  for (const p of points.filter((q) => withoutModifiers(q.setting) !== q.setting && !isStudent(q))) {
    const tokens = p.setting.match(MODIFIER).join('');
    const base = find(p.modelId, withoutModifiers(p.setting));
    const gain = difference(base, p, metric); // > 0: the modifier is better than the same setting without it
    const rtn = points.filter(
      (q) =>
        q.modelId === p.modelId &&
        q.method === 'rtn' &&
        // One frontier per activation precision: quantised activations buy compute, not stored bits.
        (q.activationBits ?? 32) === (p.activationBits ?? 32) &&
        withoutModifiers(q.setting) === q.setting &&
        typeof bitsOf(q) === 'number' &&
        bitsOf(q) <= bitsOf(p) * (1 + 1e-9) &&
        typeof q[METRIC_FIELDS[metric][0]] === 'number',
    );
    const best = rtn.sort((a, b) => a[METRIC_FIELDS[metric][0]] - b[METRIC_FIELDS[metric][0]])[0];
    const front = difference(best, p, metric); // > 0: better than every plain RTN point at most as large
    const r = !front || !significant(front) ? 'inconclusive' : front.difference > 0 ? 'holds' : 'fails';
    if (front) (perFamily[p.family] ?? []).push(r);
    const kbits = (b) => (typeof b === 'number' ? `${(b / 8e3).toFixed(1)} kB` : '?');
    evidence.push(
      `${short(p.modelId)} ${p.setting} (${kbits(bitsOf(p))}): vs without ${tokens} ${formatDifference(gain, metric)}; vs best plain RTN at <= its bits and the same activations${best ? ` (${best.setting}, ${kbits(bitsOf(best))})` : ''} ${formatDifference(front, metric)} (${r === 'holds' ? 'moves the frontier' : r === 'fails' ? 'behind the frontier' : 'not distinguishable'})`,
    );
  }
  const all = [...perFamily.var, ...perFamily.dit];
  return {
    id: 'beyond-the-paper',
    statement:
      'Beyond the paper: Hadamard rotation (-had), a low-rank branch (-lr), timestep-grouped scales (-tg) and mixed precision (-mp) move the bits-quality frontier past plain RTN.',
    verdict: combine(all),
    perFamily: Object.fromEntries(Object.entries(perFamily).map(([f, rs]) => [f, combine(rs)])),
    evidence,
    wouldChange:
      'A modifier point better by 2 errors than every plain RTN point of its model with at most as many transformer bits (it moves the frontier there by that difference); a sweep without such points leaves this not measured. Differences are positive when the modifier is better.',
  };
}
