import {
  CartesianGrid,
  Legend,
  Line,
  LineChart,
  ReferenceLine,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from 'recharts';
import { useAppStore } from '../../store';
import { Field } from '../../components/Field';
import type { SnrExperimentResult } from '../../engine/analysis/types';
import { IntField, ModelField } from './ModelField';
import { ControlsForm } from './ControlsForm';
import { RunStatus } from './RunStatus';
import { snrChart, type SnrChartPoint } from './snrChart';

const COLORS = { var: '#3569b8', dit: '#d0573b' } as const;

export function SnrView() {
  const c = useAppStore((s) => s.analysisSnr);
  const set = useAppStore((s) => s.setAnalysisSnr);
  const runView = useAppStore((s) => s.runAnalysisSnr);
  const cancel = useAppStore((s) => s.cancelAnalysis);
  const run = useAppStore((s) => s.analysisSnrRun);
  const result = run.state === 'done' ? run.result : run.state === 'running' ? run.partial : undefined;
  return (
    <section aria-labelledby="analysis-snr-title" className="analysis-view" data-testid="analysis-snr">
      <h3 id="analysis-snr-title">Does the representation absorb noise? (representation SNR)</h3>
      <p className="explain">
        Gaussian noise at a chosen SNR is added to each model's continuous representation while it generates: VAR's
        feature just before the head and the token draw snap it onto a codebook entry, DiT's latent before every
        denoising step. The chart shows how much reaches the output (VAR's f_hat, DiT's final latent) against the same
        run, same seed, without noise. Above the dashed identity line the model removed noise, below it the noise grew.
        A VAR token either stays the same or jumps to another code (and later scales follow it), so its curve measures
        how often draws flip, not a gradual drift.
      </p>
      <ControlsForm onRun={runView}>
        <ModelField label="VAR model" family="var" value={c.varModel} onChange={(varModel) => set({ varModel })} />
        <ModelField label="DiT model" family="dit" value={c.ditModel} onChange={(ditModel) => set({ ditModel })} />
        <Field label="Input SNRs (dB)" hint="Comma-separated">
          {(id) => <input id={id} type="text" value={c.snrList} onChange={(e) => set({ snrList: e.target.value })} />}
        </Field>
        <IntField label="Images" value={c.samples} min={1} max={40} onChange={(samples) => set({ samples })} />
        <IntField
          label="DiT steps"
          value={c.ditSteps}
          min={1}
          max={250}
          hint="DDPM, fewer is faster"
          onChange={(ditSteps) => set({ ditSteps })}
        />
        <IntField label="Seed" value={c.seed} min={0} max={1_000_000} onChange={(seed) => set({ seed })} />
        <div className="actions">
          <button type="submit" disabled={run.state === 'running'}>
            Run SNR sweep
          </button>
        </div>
      </ControlsForm>
      <RunStatus run={run} title="SNR sweep" onCancel={() => cancel('snr')} />
      {result && result.curves.length > 0 && <SnrChartView result={result} />}
    </section>
  );
}

function SnrChartView({ result }: { result: SnrExperimentResult }) {
  const chart = snrChart(result);
  return (
    <figure className="chart" data-testid="snr-chart">
      <ResponsiveContainer width="100%" height={300}>
        <LineChart margin={{ top: 10, right: 20, bottom: 20, left: 4 }}>
          <CartesianGrid strokeDasharray="3 3" />
          <XAxis
            dataKey="input"
            type="number"
            domain={chart.domain}
            allowDuplicatedCategory={false}
            label={{ value: 'input SNR (dB)', position: 'insideBottom', offset: -10 }}
          />
          <YAxis
            dataKey="output"
            type="number"
            domain={chart.domain}
            width={52}
            label={{ value: 'output SNR (dB)', angle: -90, position: 'insideLeft', offset: 10 }}
          />
          <Tooltip content={<SnrTooltip />} />
          <Legend verticalAlign="top" height={26} />
          <ReferenceLine
            y={chart.ceiling}
            stroke="#9aa3b2"
            strokeDasharray="2 4"
            label={{ value: 'identical to clean', position: 'insideTopRight', fontSize: 11 }}
          />
          <Line
            data={chart.identity as { input: number; output: number }[]}
            dataKey="output"
            name="identity (output = input)"
            stroke="#6b7487"
            strokeDasharray="6 4"
            dot={false}
            isAnimationActive={false}
          />
          {chart.series.map((s) => (
            <Line
              key={s.key}
              data={s.points as SnrChartPoint[]}
              dataKey="output"
              name={`${s.key} (${s.curve.family.toUpperCase()})`}
              stroke={COLORS[s.curve.family]}
              strokeWidth={2}
              isAnimationActive={false}
            />
          ))}
        </LineChart>
      </ResponsiveContainer>
      <figcaption>
        {result.samples} images per run, seed {result.seed}.{' '}
        {chart.series
          .map(
            (s) =>
              `${s.key}: ${s.curve.injection} (${s.curve.steps} ${s.curve.family === 'var' ? 'scales' : 'steps'}).`,
          )
          .join(' ')}{' '}
        Points on the top line: the output did not change at all.
      </figcaption>
      <table className="snr-table" data-testid="snr-table">
        <caption className="sr-only">Output SNR per input SNR</caption>
        <thead>
          <tr>
            <th scope="col">input SNR</th>
            {chart.series.map((s) => (
              <th key={s.key} scope="col">
                {s.key}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {[...new Set(chart.series.flatMap((s) => s.points.map((p) => p.input)))].map((input) => (
            <tr key={input}>
              <th scope="row">{input} dB</th>
              {chart.series.map((s) => {
                const p = s.points.find((q) => q.input === input);
                return <td key={s.key}>{p ? describe(p) : '…'}</td>;
              })}
            </tr>
          ))}
        </tbody>
      </table>
    </figure>
  );
}

function describe(p: SnrChartPoint): string {
  const out = p.identical ? 'identical' : `${p.output.toFixed(1)} dB`;
  return p.tokensChanged === undefined ? out : `${out} (${(100 * p.tokensChanged).toFixed(1)} % tokens changed)`;
}

function SnrTooltip({
  active,
  payload,
}: {
  active?: boolean;
  payload?: readonly { name?: string; payload?: SnrChartPoint }[];
}) {
  if (!active || !payload?.length) return null;
  return (
    <div className="snr-tooltip">
      {payload.map((entry) =>
        entry.payload ? (
          <div key={entry.name}>
            {entry.name}: input {entry.payload.input} dB →{' '}
            {entry.payload.identical ? 'identical output' : `${entry.payload.output.toFixed(1)} dB`}
          </div>
        ) : null,
      )}
    </div>
  );
}
