/** Plain-text tables of a bench result (tools/bench/src/resultTypes.ts) for the terminal. */

const missing = (x) => x === undefined || x === null || Number.isNaN(x);
const fmt = (x, digits = 2) => (missing(x) ? '-' : x.toFixed(digits));
/** Significant digits, for values spanning decades (a CPU adapter's bandwidth fraction is ~1e-4). */
const sig = (x, digits = 2) => (missing(x) ? '-' : Number(x.toPrecision(digits)).toString());
const pair = (a, b) => (missing(a) ? '-' : `${fmt(a)} / ${fmt(b)}`);

export function table(headers, rows) {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
  const line = (cells) =>
    cells.map((c, i) => (i < 3 ? String(c).padEnd(widths[i]) : String(c).padStart(widths[i]))).join('  ');
  return [line(headers), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

/** One row per (op, format, group, size): our median and the three same-run ratios. */
export function formatSummary(result) {
  const headers = [
    'op',
    'format',
    'group',
    'K=N',
    'kernel',
    'ours ms',
    'min ms',
    'f32 ms',
    'x vs f32 med/min',
    'GB/s',
    'copy GB/s',
    'BW frac',
    'ORT op',
    'ORT wall ms',
    'x vs ORT med/min',
  ];
  const rows = result.summary.map((r) => [
    r.variant,
    r.format,
    `g${r.groupSize}`,
    r.size,
    r.oursKernel ?? '-',
    fmt(r.oursMedianMs, 3),
    fmt(r.oursMinMs, 3),
    fmt(r.f32MedianMs, 3),
    pair(r.speedupVsF32, r.speedupVsF32ByMin),
    sig(r.effectiveGBps, 3),
    sig(r.copyGBps, 3),
    sig(r.bandwidthFraction),
    r.ortOp ?? '-',
    fmt(r.ortWallMedianMs, 3),
    pair(r.speedupVsOrt, r.speedupVsOrtByMin),
  ]);
  return table(headers, rows);
}

export function formatHeader(result) {
  const env = result.environment;
  const m = result.machine ?? {};
  return [
    `adapter:  ${env.adapterLabel}${env.adapter.isFallbackAdapter ? ' (fallback adapter)' : ''}`,
    `browser:  ${result.browser?.version ?? env.userAgent}; onnxruntime-web ${env.ortVersion}`,
    `machine:  ${m.cpuModel ?? '?'} x${m.cores ?? '?'}, ${fmt(m.memoryGiB, 1)} GiB; load average ${m.loadAverage1mBefore ?? '?'} -> ${m.loadAverage1mAfter ?? '?'}`,
    result.kernelVariants
      ? `kernels:  ${result.kernelVariants.profile.kind} adapter (${result.kernelVariants.profile.basis}); ${Object.entries(
          result.kernelVariants.chosen,
        )
          .map(([k, v]) => `${k}: ${v.path}`)
          .join(', ')}`
      : undefined,
    result.measurements
      ? `clock:    ${result.measurements.find((x) => x.kind === 'ours')?.time.method ?? '?'}; GEMM m = ${result.config.gemmM}; ${result.durationS} s`
      : `clock:    wall (performance.now() + onSubmittedWorkDone); ${result.durationS} s; load average samples during the run: ${(m.loadAverage1mSamples ?? []).join(' ') || '-'}`,
  ]
    .filter((line) => line !== undefined)
    .join('\n');
}

export function formatFailures(result) {
  const lines =
    result.failures.length === 0
      ? ['failures: none']
      : ['failures:', ...result.failures.map((f) => `  ${f.id}: ${f.message}`)];
  if (result.skipped?.length)
    lines.push('skipped (not measured):', ...result.skipped.map((s) => `  ${s.id}: ${s.reason}`));
  if (result.kernelVariants?.notRun?.length)
    lines.push('variants not run:', ...result.kernelVariants.notRun.map((v) => `  ${v.variant}: ${v.reason}`));
  return lines.join('\n');
}
