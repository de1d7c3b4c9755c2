/**
 * The end-to-end bench page (`tools/bench/bench.html?suite=e2e`): a Run button, a progress log and the three summary tables.
 * With `?auto=1` it starts by itself and publishes the result as `window.__benchResult` (or `__benchError`) for
 * tools/bench/run.mjs, like the kernel bench page; progress lines go to the console with a `[bench]` prefix.
 */
import { useState } from 'react';
import { endToEndConfigFromUrl, type EndToEndConfig } from './e2e/endToEndConfig';
import { runEndToEnd } from './e2e/runEndToEnd';
import type { EndToEndResult } from './e2e/endToEndTypes';
import { useBenchRun } from './useBenchRun';

const fmt = (x: number | undefined, digits = 1): string => (x === undefined ? '—' : x.toFixed(digits));

function Tables({ result }: { result: EndToEndResult }) {
  const { images, forward, latency } = result.summary;
  return (
    <>
      <h2>Time per image (median ms; sampler, decoder; ratio to fp32 in this run)</h2>
      <table className="bench-table">
        <thead>
          <tr>
            <th>model</th>
            <th>setting</th>
            <th>batch</th>
            <th>steps</th>
            <th>bits/w</th>
            <th>total</th>
            <th>sample</th>
            <th>decode</th>
            <th>ms/step</th>
            <th>× vs fp32 (total / sample / by min)</th>
            <th>load ms</th>
          </tr>
        </thead>
        <tbody>
          {images.map((r) => (
            <tr key={`${r.model}/${r.setting}/${r.batch}`}>
              <td>{r.model}</td>
              <td>{r.setting}</td>
              <td>{r.batch}</td>
              <td>{r.steps}</td>
              <td>{fmt(r.bitsPerWeight, 2)}</td>
              <td>{fmt(r.totalMs)}</td>
              <td>{fmt(r.sampleMs)}</td>
              <td>{fmt(r.decodeMs)}</td>
              <td>{fmt(r.msPerStep, 2)}</td>
              <td>
                {fmt(r.speedupVsFp32, 2)} / {fmt(r.sampleSpeedupVsFp32, 2)} / {fmt(r.speedupVsFp32ByMin, 2)}
              </td>
              <td>{fmt(r.loadMs, 0)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <h2>One DiT forward (batch 2) against onnxruntime-web (wall ms)</h2>
      <table className="bench-table">
        <thead>
          <tr>
            <th>model</th>
            <th>params</th>
            <th>impl</th>
            <th>setting</th>
            <th>median</th>
            <th>min</th>
            <th>× vs ORT (median / min)</th>
            <th>rel. error vs ORT</th>
          </tr>
        </thead>
        <tbody>
          {forward.map((r) => (
            <tr key={`${r.model}/${r.impl}/${r.setting}`}>
              <td>{r.model}</td>
              <td>{r.params}</td>
              <td>{r.impl}</td>
              <td>{r.setting}</td>
              <td>{fmt(r.medianMs, 2)}</td>
              <td>{fmt(r.minMs, 2)}</td>
              <td>
                {fmt(r.speedupVsOrt, 2)} / {fmt(r.speedupVsOrtByMin, 2)}
              </td>
              <td>{r.relErrorVsOrt.toExponential(1)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <h2>Changed setting to updated image and traces (GenerationService.generate, ms)</h2>
      <table className="bench-table">
        <thead>
          <tr>
            <th>model</th>
            <th>steps</th>
            <th>reps</th>
            <th>uncached median</th>
            <th>uncached min</th>
            <th>cached median</th>
            <th>extra when uncached</th>
            <th>cold first</th>
          </tr>
        </thead>
        <tbody>
          {latency.map((r) => (
            <tr key={r.model}>
              <td>{r.model}</td>
              <td>{r.steps}</td>
              <td>{r.reps}</td>
              <td>{fmt(r.uncachedMedianMs, 0)}</td>
              <td>{fmt(r.uncachedMinMs, 0)}</td>
              <td>{fmt(r.cachedMedianMs, 0)}</td>
              <td>{fmt(r.uncachedExtraMs, 0)}</td>
              <td>{fmt(r.coldMs, 0)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}

export function EndToEndBenchPage({ search }: { search: string }) {
  const params = new URLSearchParams(search);
  const [quick, setQuick] = useState(params.get('quick') === '1');
  const { running, log, result, error, download, start } = useBenchRun(search, endToEndConfigFromUrl, runEndToEnd);

  const configFromControls = (): EndToEndConfig => {
    const p = new URLSearchParams(search);
    p.set('quick', quick ? '1' : '0');
    return endToEndConfigFromUrl(`?${p}`);
  };

  return (
    <main>
      <h1>Generators end to end: bench</h1>
      <p>
        Time per image of VAR and DiT at fp32, W8c-A8, W4g32 and W4g32-A8 through the engine's samplers and ONNX
        decoders; one DiT forward against onnxruntime-web on the same device; the latency from a changed setting to the
        updated image. CLI: <code>npm run bench -- --suite e2e</code>. <a href="?">Kernel bench</a>
      </p>
      <div className="bench-controls">
        <button disabled={running} onClick={() => void start(configFromControls())}>
          {running ? 'Running…' : 'Run'}
        </button>
        <label>
          <input type="checkbox" checked={quick} onChange={(e) => setQuick(e.target.checked)} /> quick (d1 models, fp32
          and W4g32, 4 DiT steps)
        </label>
        {download && (
          <a href={download} download="end-to-end-bench.json">
            Download JSON
          </a>
        )}
      </div>
      {error && <pre className="bench-error">{error}</pre>}
      {log.length > 0 && <div className="bench-log">{log.join('\n')}</div>}
      {result && (
        <>
          <p>
            {result.environment.adapterLabel} · {result.durationS} s · {result.failures.length} failure(s)
          </p>
          {result.failures.length > 0 && (
            <ul>
              {result.failures.map((f) => (
                <li key={f.id}>
                  failed {f.id}: {f.message}
                </li>
              ))}
            </ul>
          )}
          <Tables result={result} />
        </>
      )}
    </main>
  );
}
