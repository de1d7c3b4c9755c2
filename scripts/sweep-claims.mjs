#!/usr/bin/env node
/**
 * node scripts/sweep-claims.mjs [public/sweeps/mnist-sweep.json] [fd|kid]
 *
 * The paper's claims (docs/sweep.md, "Which of the paper's claims hold here"), read off a sweep file: prints
 * markdown tables of
 *  1. how much each RTN setting raises FD over fp32 per model (with the combined jackknife standard error),
 *  2. GPTQ and SmoothQuant against RTN at the same setting,
 *  3. the QAT / distilled students against RTN one bit lower and at their own bits,
 *  4. the Pareto frontier of each family over total weight bits,
 *  5. the verdict on each claim (src/features/scaling-law/claims.mjs judgeClaims, as the app's Claims panel).
 * A difference is marked "~" when it is within two standard errors (not distinguishable at this N); "p" marks a
 * paired error (both points measured on the same draws).
 */
import { readFileSync } from 'node:fs';
import { difference, formatDifference, judgeClaims } from '../src/features/scaling-law/claims.mjs';

const file = process.argv[2] ?? 'public/sweeps/mnist-sweep.json';
const sweep = JSON.parse(readFileSync(file, 'utf8'));
const points = sweep.points.filter((p) => !p.partial);
const find = (modelId, setting, method) =>
  points.find((p) => p.modelId === modelId && p.setting === setting && (!method || p.method === method));
const base = (p) => !p.modelId.includes('-qat-');
const fmt = (x, d = 1) => (x === undefined ? '–' : x.toFixed(d));

/**
 * a - b with its standard error, "~" when |a - b| < 2 se, "p" for a paired error: src/features/scaling-law/claims.mjs
 * `difference` (paired jackknife when both points share their draws and carry leave-out values, else
 * sqrt(se_a^2 + se_b^2)), the same code the app's Claims panel runs.
 */
function diff(a, b, metric = 'fd') {
  return formatDifference(difference(a, b, metric), metric);
}

console.log(
  `Sweep: ${points.length} points, ${sweep.config.samples} samples each, DiT ${sweep.config.ditSteps}-step ${sweep.config.ditSampler}, ${sweep.adapter}\n`,
);
if (sweep.formatVersion === 1) {
  console.log(
    "**formatVersion 1**: its jackknife groups each held one class, so the errors below are overstated (a point's own error several times; docs/sweep.md).\n",
  );
}
if (sweep.realDataFloor) {
  const f = sweep.realDataFloor;
  console.log(
    `Real-data floor at N = ${f.samples} (${f.source}): FD ${fmt(f.fd)} ± ${fmt(f.fdStdErr)}, KID ${fmt(f.kid, 4)} ± ${fmt(f.kidSe, 4)}\n`,
  );
}

// 1. Degradation per model.
const models = [...new Set(points.filter(base).map((p) => p.modelId))];
const rtn = ['W8g32', 'W6g32', 'W4g32', 'W3g32', 'W2g32', 'Wfp4g32', 'W8g32-A8', 'W4g32-A8'];
console.log('## 1. FD over fp32 (RTN; "~": within 2 standard errors; "p": paired error)\n');
console.log(`| model | fp32 FD | acc | ${rtn.join(' | ')} |`);
console.log(`|---|---|---|${rtn.map(() => '---').join('|')}|`);
for (const id of models) {
  const fp = find(id, 'fp32');
  if (!fp) continue;
  console.log(
    `| ${id} | ${fmt(fp.fd)} ± ${fmt(fp.fdStdErr)} | ${fmt(fp.accuracy, 2)} | ${rtn.map((s) => diff(find(id, s, 'rtn'), fp)).join(' | ')} |`,
  );
}

if (points.some((p) => typeof p.kid === 'number')) {
  console.log('\n## 1b. KID over fp32 (RTN; same marks)\n');
  console.log(`| model | fp32 KID | ${rtn.join(' | ')} |`);
  console.log(`|---|---|${rtn.map(() => '---').join('|')}|`);
  for (const id of models) {
    const fp = find(id, 'fp32');
    if (!fp || typeof fp.kid !== 'number') continue;
    console.log(
      `| ${id} | ${fmt(fp.kid, 4)} ± ${fmt(fp.kidSe, 4)} | ${rtn.map((s) => diff(find(id, s, 'rtn'), fp, 'kid')).join(' | ')} |`,
    );
  }
}

// 2. PTQ methods against RTN at the same bits.
console.log(
  '\n## 2. GPTQ and SmoothQuant against RTN (FD of the method minus FD of RTN; negative = the method helps)\n',
);
console.log('| model | setting | RTN FD | method FD | method - RTN |');
console.log('|---|---|---|---|---|');
for (const p of points.filter((q) => base(q) && q.method !== 'rtn' && !q.method.startsWith('qat'))) {
  const plain = p.setting.replace(/-gptq\d*$/, '').replace(/-sq[0-9.]+$/, '');
  const r = find(p.modelId, plain, 'rtn');
  console.log(`| ${p.modelId} | ${p.setting} | ${fmt(r?.fd)} | ${fmt(p.fd)} | ${diff(p, r)} |`);
}

// 3. Students against RTN at k and at k + 1 bits.
const up = { W2g32: 'W3g32', W3g32: 'W4g32', 'W4g32-A8': 'W8g32-A8', Wfp4g32: 'W6g32' };
console.log("\n## 3. QAT / distillation students (RTN k+1: one precision up; FP4's neighbour is W6g32, W4A8's W8A8)\n");
console.log('| student | setting | FD | RTN k | student - RTN k | RTN k+1 | student - RTN k+1 |');
console.log('|---|---|---|---|---|---|---|');
for (const p of points.filter((q) => q.modelId.includes('-qat-'))) {
  const teacher = p.modelId.replace(/-qat-.*/, '');
  const k = find(teacher, p.setting, 'rtn');
  const k1 = find(teacher, up[p.setting] ?? '', 'rtn');
  console.log(
    `| ${p.modelId} | ${p.setting} | ${fmt(p.fd)} ± ${fmt(p.fdStdErr)} | ${fmt(k?.fd)} | ${diff(p, k)} | ${fmt(k1?.fd)} | ${diff(p, k1)} |`,
  );
}

// 4. Pareto frontier per family over total weight bits (base models, RTN).
console.log('\n## 4. Pareto frontier over total weight bits (RTN points of the base models)\n');
for (const family of ['var', 'dit']) {
  const pts = points
    .filter((p) => base(p) && p.family === family && p.method === 'rtn')
    .sort((a, b) => a.totalWeightBits - b.totalWeightBits);
  const frontier = [];
  for (const p of pts) if (frontier.length === 0 || p.fd < frontier[frontier.length - 1].fd) frontier.push(p);
  console.log(
    `${family}: ${frontier.map((p) => `${p.modelId.replace('mnist-', '')} ${p.setting} (${(p.totalWeightBits / 1e6).toFixed(2)} Mbit, FD ${fmt(p.fd)})`).join(' -> ')}`,
  );
}

// 5. The claims, judged as the app's Claims panel judges them.
const metricArg = process.argv[3] === 'kid' ? 'kid' : 'fd';
const report = judgeClaims(sweep, metricArg);
console.log(`\n## 5. Verdicts (${metricArg.toUpperCase()}; src/features/scaling-law/claims.mjs)\n`);
for (const c of report.caveats) console.log(`> ${c}`);
for (const c of report.claims) {
  const fam = c.perFamily
    ? ` (${Object.entries(c.perFamily)
        .map(([f, v]) => `${f}: ${v}`)
        .join(', ')})`
    : '';
  console.log(`\n- **${c.verdict}**${fam}: ${c.statement}`);
  for (const e of c.evidence) console.log(`  - ${e}`);
  console.log(`  - what would change it: ${c.wouldChange}`);
}
