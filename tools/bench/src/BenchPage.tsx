/**
 * The bench page: a Run button, a progress log and the summary table. With `?auto=1` it starts by itself and
 * publishes the result as `window.__benchResult` (or `window.__benchError`) for tools/bench/run.mjs; progress lines
 * go to the console with a `[bench]` prefix, which the driver echoes.
 */
import { useState } from 'react';
import { configFromUrl, type BenchConfig } from './benchConfig';
import { runBench } from './runBench';
import type { SummaryRow } from './resultTypes';
import { useBenchRun } from './useBenchRun';

const fmt = (x: number | undefined, digits = 2): string => (x === undefined ? '—' : x.toFixed(digits));
/** Significant digits: a CPU adapter's bandwidth fraction is ~1e-4, a GPU's ~0.5. */
const sig = (x: number | undefined): string => (x === undefined ? '—' : String(Number(x.toPrecision(2))));

function SummaryTable({ rows }: { rows: readonly SummaryRow[] }) {
  return (
    <table className="bench-table">
      <thead>
        <tr>
          <th>op</th>
          <th>format</th>
          <th>group</th>
          <th>K=N</th>
          <th>ours ms (median)</th>
          <th>ours ms (min)</th>
          <th>f32 ms</th>
          <th>× vs f32 (median / min)</th>
          <th>GB/s</th>
          <th>copy GB/s</th>
          <th>BW fraction</th>
          <th>ORT op</th>
          <th>ORT wall ms</th>
          <th>× vs ORT (wall, median / min)</th>
        </tr>
      </thead>
      <tbody>
        {rows.map((r) => (
          <tr key={`${r.variant}/${r.format}/${r.groupSize}/${r.size}`}>
            <td>{r.variant}</td>
            <td>{r.format}</td>
            <td>g{r.groupSize}</td>
            <td>{r.size}</td>
            <td>{fmt(r.oursMedianMs, 3)}</td>
            <td>{fmt(r.oursMinMs, 3)}</td>
            <td>{fmt(r.f32MedianMs, 3)}</td>
            <td>
              {fmt(r.speedupVsF32)} / {fmt(r.speedupVsF32ByMin)}
            </td>
            <td>{sig(r.effectiveGBps)}</td>
            <td>{sig(r.copyGBps)}</td>
            <td>{sig(r.bandwidthFraction)}</td>
            <td>{r.ortOp ?? '—'}</td>
            <td>{fmt(r.ortWallMedianMs, 3)}</td>
            <td>
              {fmt(r.speedupVsOrt)} / {fmt(r.speedupVsOrtByMin)}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function BenchPage({ search }: { search: string }) {
  const params = new URLSearchParams(search);
  const [quick, setQuick] = useState(params.get('quick') === '1');
  const [filter, setFilter] = useState(params.get('filter') ?? '');
  const [withOrt, setWithOrt] = useState(params.get('ort') !== '0');
  const { running, log, result, error, download, start } = useBenchRun(search, configFromUrl, runBench);

  const configFromControls = (): BenchConfig => {
    const p = new URLSearchParams(search);
    p.set('quick', quick ? '1' : '0');
    p.set('filter', filter);
    p.set('ort', withOrt ? '1' : '0');
    return configFromUrl(`?${p}`);
  };

  return (
    <main>
      <h1>Quantized matmul kernels: bench</h1>
      <p>
        GEMV (m = 1) and GEMM times of our packed-weight kernels against our f32 matmul, a copy of the packed bytes and
        onnxruntime-web MatMulNBits, all on this page's WebGPU adapter. CLI:{' '}
        <code>npm run bench -- --out FILE.json</code>. <a href="?suite=e2e">End-to-end generator bench</a>
      </p>
      <div className="bench-controls">
        <button disabled={running} onClick={() => void start(configFromControls())}>
          {running ? 'Running…' : 'Run'}
        </button>
        <label>
          <input type="checkbox" checked={quick} onChange={(e) => setQuick(e.target.checked)} /> quick (256, 1024; 5
          formats)
        </label>
        <label>
          <input type="checkbox" checked={withOrt} onChange={(e) => setWithOrt(e.target.checked)} /> onnxruntime-web
        </label>
        <label>
          filter (regex on case id){' '}
          <input
            type="text"
            value={filter}
            placeholder="e.g. int4s|fp-e2m1"
            onChange={(e) => setFilter(e.target.value)}
          />
        </label>
        {download && (
          <a href={download} download="kernel-bench.json">
            Download JSON
          </a>
        )}
      </div>
      {error && <pre className="bench-error">{error}</pre>}
      {log.length > 0 && <div className="bench-log">{log.join('\n')}</div>}
      {result && (
        <>
          <p>
            {result.environment.adapterLabel} · {result.measurements[0]?.time.method ?? ''} · {result.durationS} s ·{' '}
            {result.failures.length} failure(s), {result.skipped.length} skipped
          </p>
          {result.failures.length + result.skipped.length > 0 && (
            <ul>
              {result.failures.map((f) => (
                <li key={f.id}>
                  failed {f.id}: {f.message}
                </li>
              ))}
              {result.skipped.map((s) => (
                <li key={s.id}>
                  skipped {s.id}: {s.reason}
                </li>
              ))}
            </ul>
          )}
          <SummaryTable rows={result.summary} />
        </>
      )}
    </main>
  );
}
