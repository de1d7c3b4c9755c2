import { useAppStore } from '../../store';
import { ErrorPanel } from '../../components/ErrorPanel';
import { WeightHistogram } from './WeightHistogram';

export function ExplorerResult() {
  const run = useAppStore((s) => s.explorerRun);
  if (run.state === 'idle')
    return (
      <p className="muted">
        Pick a format and press the button: the weights are quantised in TypeScript, packed, and multiplied on your GPU
        by our fused WGSL kernel.
      </p>
    );
  if (run.state === 'running')
    return (
      <p aria-live="polite" className="muted">
        Running: {run.progress}…
      </p>
    );
  if (run.state === 'failed')
    return <ErrorPanel title="The probe failed" message={run.error.message} fix={run.error.fix} />;
  const r = run.result;
  return (
    <div className="result" data-testid="explorer-result">
      <dl className="metrics">
        <Metric
          label="Bits per weight"
          value={r.bitsPerWeight.toFixed(3)}
          hint="code bits + f16 scale (and offset) per group"
        />
        <Metric
          label="GPU bytes"
          value={`${(r.packedBytes / 1024).toFixed(1)} KiB`}
          hint={`f32: ${(r.f32Bytes / 1024).toFixed(1)} KiB (${(r.f32Bytes / r.packedBytes).toFixed(1)}x)`}
        />
        <Metric
          label="Weight error"
          value={`${(100 * r.weightRelRmse).toFixed(2)} %`}
          hint="relative RMS of dequantised minus original weights"
        />
        <Metric
          label="Output error"
          value={`${(100 * r.outputRelRmse).toFixed(2)} %`}
          hint="relative RMS of X·Wqᵀ against X·Wᵀ"
        />
        <Metric
          label="Kernel vs reference"
          value={r.kernelMaxRelError.toExponential(1)}
          hint="max |GPU − TypeScript| / max |Y| on the same packed weights"
          testId="kernel-error"
        />
        <Metric
          label="GPU time"
          value={`${r.gpuMs.toFixed(2)} ms`}
          hint="one fused dequant-matmul dispatch, queue round trip included"
        />
      </dl>
      <WeightHistogram edges={r.histogram.edges} counts={r.histogram.counts} grid={r.grid} />
    </div>
  );
}

function Metric({ label, value, hint, testId }: { label: string; value: string; hint: string; testId?: string }) {
  return (
    <div className="metric" title={hint}>
      <dt>{label}</dt>
      <dd data-testid={testId}>{value}</dd>
      <dd className="metric-hint">{hint}</dd>
    </div>
  );
}
