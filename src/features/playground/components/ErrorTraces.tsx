import { useState } from 'react';
import { CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { Field } from '../../../components/Field';
import { useAppStore } from '../../../store';
import type { ComparedRun } from '../../../worker/protocol';
import { settingToString, type QuantSetting } from '../../../quant/setting';
import { settingLabel } from '../../../quant/settingEditor';
import type { ModelFamily } from '../../../models/bundle/types';
import { cellKeyString, rowsOf } from '../runPlan';
import { TRACE_MEASURES, traceSeries, type TraceMeasure, type TraceSeries } from '../traces';

const COLORS = ['#3569b8', '#d0612b', '#2e9d5b', '#9b4dca'];
const OTHER_COLORS = ['#8fb0e3', '#eeae8a', '#93d2ac', '#cfa6e6'];

/** The most recent result of the other family for the same column (cells survive switching family). */
function otherFamilyRun(
  cells: ReadonlyMap<string, ComparedRun>,
  family: ModelFamily,
  column: QuantSetting,
): [string, ComparedRun] | undefined {
  let found: [string, ComparedRun] | undefined;
  for (const [key, run] of cells)
    if (key.startsWith(`mnist-${family}-`) && key.endsWith(`|${settingToString(column)}`))
      found = [key.split('|')[0], run];
  return found;
}

/** Per-step errors of each column against fp32 (the first row of the grid), on a normalised step axis. */
export function ErrorTraces() {
  const view = useAppStore((s) => s.playground);
  const modelId = useAppStore((s) => s.modelId);
  const cells = useAppStore((s) => s.cells);
  const [measure, setMeasure] = useState<TraceMeasure>('state');
  const [compare, setCompare] = useState(true);
  const row = rowsOf(view, modelId)[0];
  const other = view.family === 'var' ? 'dit' : 'var';
  const series: (TraceSeries & { color: string; dashed: boolean })[] = [];
  view.columns.forEach((key, i) => {
    const run = cells.get(cellKeyString(row, key));
    const s = run && traceSeries(`${modelId.replace('mnist-', '')} ${settingLabel(key)}`, run, measure);
    if (s) series.push({ ...s, color: COLORS[i % COLORS.length], dashed: false });
    const o = compare ? otherFamilyRun(cells, other, key) : undefined;
    const os = o && traceSeries(`${o[0].replace('mnist-', '')} ${settingLabel(key)}`, o[1], measure);
    if (os) series.push({ ...os, color: OTHER_COLORS[i % OTHER_COLORS.length], dashed: true });
  });
  const m = TRACE_MEASURES[measure];
  return (
    <section className="traces" aria-labelledby="traces-title">
      <h3 id="traces-title">Error along the generation</h3>
      <p className="explain">
        Each line is one quantised setting of the grid's first row against fp32 with the same class, seed and random
        draws, measured after every step. The x axis is the fraction of the generation done (VAR: scale k of K; DiT:
        denoising step n of N), so both families share it. The paper's contrast: a DiT trajectory carries every error
        into the next step, while VAR snaps its features to the nearest codebook entry, which can absorb small errors.
        Solid lines are the model shown; dashed lines are the other family's last run of the same setting (switch family
        to add them).
      </p>
      <div className="controls">
        <Field label="Error measure">
          {(id) => (
            <select id={id} value={measure} onChange={(e) => setMeasure(e.target.value as TraceMeasure)}>
              {(Object.keys(TRACE_MEASURES) as TraceMeasure[]).map((k) => (
                <option key={k} value={k}>
                  {TRACE_MEASURES[k].label}
                </option>
              ))}
            </select>
          )}
        </Field>
        <label className="check">
          <input type="checkbox" checked={compare} onChange={(e) => setCompare(e.target.checked)} /> Also show{' '}
          {other.toUpperCase()} traces (dashed)
        </label>
      </div>
      <p className="muted trace-definition">
        VAR: {m.var}. DiT: {m.dit ?? 'not defined for DiT'}.
      </p>
      {series.length === 0 ? (
        <p className="muted">Generate to see the traces.</p>
      ) : (
        <figure className="chart" data-testid="error-traces" data-series={series.length}>
          <ResponsiveContainer width="100%" height={280}>
            <LineChart margin={{ top: 8, right: 24, bottom: 20, left: 8 }}>
              <CartesianGrid strokeDasharray="3 3" />
              <XAxis
                type="number"
                dataKey="progress"
                domain={[0, 1]}
                ticks={[0, 0.25, 0.5, 0.75, 1]}
                label={{ value: 'fraction of the generation done', position: 'insideBottom', offset: -10 }}
              />
              <YAxis
                type="number"
                width={64}
                label={{ value: 'rel. error vs fp32', angle: -90, position: 'insideLeft', offset: 4, dy: 50 }}
                tickFormatter={(v: number) => v.toPrecision(2)}
              />
              <Tooltip
                formatter={(v) => (typeof v === 'number' ? v.toPrecision(3) : String(v))}
                labelFormatter={(p) => `progress ${Number(p).toFixed(2)}`}
              />
              <Legend verticalAlign="top" height={28} />
              {series.map((s) => (
                <Line
                  key={s.name}
                  data={s.points}
                  dataKey="value"
                  name={s.name}
                  stroke={s.color}
                  strokeDasharray={s.dashed ? '5 4' : undefined}
                  dot={s.points.length <= 12}
                  isAnimationActive={false}
                />
              ))}
            </LineChart>
          </ResponsiveContainer>
        </figure>
      )}
    </section>
  );
}
