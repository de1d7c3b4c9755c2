import { useState } from 'react';
import { Bar, CartesianGrid, ComposedChart, Line, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { useAppStore } from '../../store';
import { Field } from '../../components/Field';
import type { ChannelMagnitudes } from '../../engine/analysis/types';
import { IntField, ModelField } from './ModelField';
import { ControlsForm } from './ControlsForm';
import { RunStatus } from './RunStatus';

const LAYER_TITLES = {
  qkv: 'Input of qkv (attention)',
  fc1: 'Input of fc1 (MLP in)',
  fc2: 'Input of fc2 (MLP out, after GELU)',
} as const;

export function ActivationView() {
  const c = useAppStore((s) => s.analysisActivation);
  const set = useAppStore((s) => s.setAnalysisActivation);
  const runView = useAppStore((s) => s.runAnalysisActivation);
  const cancel = useAppStore((s) => s.cancelAnalysis);
  const run = useAppStore((s) => s.analysisActivationRun);
  const result = run.state === 'done' ? run.result : undefined;
  const [rotated, setRotated] = useState(false);
  return (
    <section aria-labelledby="analysis-activation-title" className="analysis-view" data-testid="analysis-activation">
      <h3 id="analysis-activation-title">Activation magnitude per channel</h3>
      <p className="explain">
        Each bar is one input channel of a Linear layer: the largest |x| it saw while the full-precision model generated
        a few images (the line is the mean |x|). Channels far above the rest (a large max/median) are outliers: one
        per-token scale must cover them, so every other channel gets only a few quantisation levels. SmoothQuant moves
        that range into the weights. The Hadamard rotation (-had) instead mixes every channel of a block into every
        other, so an outlier's magnitude spreads out and max/median falls; tick "After Hadamard rotation" to see the
        inputs its quantiser sees.
      </p>
      <ControlsForm onRun={runView}>
        <ModelField label="Model" value={c.modelId} onChange={(modelId) => set({ modelId })} />
        <IntField label="Images" value={c.samples} min={1} max={40} onChange={(samples) => set({ samples })} />
        <IntField label="Seed" value={c.seed} min={0} max={1_000_000} onChange={(seed) => set({ seed })} />
        <div className="actions">
          <button type="submit" disabled={run.state === 'running'}>
            Measure activations
          </button>
        </div>
        {result && (
          <Field label="Block" hint="Every block was measured; switching is instant.">
            {(id) => (
              <select id={id} value={c.block} onChange={(e) => set({ block: Number(e.target.value) })}>
                {Array.from({ length: result.depth }, (_, b) => (
                  <option key={b} value={b}>
                    Block {b}
                  </option>
                ))}
              </select>
            )}
          </Field>
        )}
        {result && (
          <label className="field" title="The same inputs multiplied by the -had rotation R (src/quant/hadamard.ts).">
            <input
              type="checkbox"
              checked={rotated}
              onChange={(e) => setRotated(e.target.checked)}
              data-testid="activation-rotated"
            />{' '}
            After Hadamard rotation
          </label>
        )}
      </ControlsForm>
      <RunStatus run={run} title="Activation measurement" onCancel={() => cancel('activation')} />
      {result && (
        <>
          <p className="muted">
            {result.modelId}: {result.samples} images, {result.steps}{' '}
            {result.family === 'var' ? 'scales' : 'DDPM steps'}, cond and uncond rows.
          </p>
          <div className="analysis-charts">
            {result.layers
              .filter((l) => l.block === Math.min(c.block, result.depth - 1))
              .map((l) => (
                <ChannelChart key={l.linear} layer={l} rotated={rotated} />
              ))}
          </div>
        </>
      )}
    </section>
  );
}

function ChannelChart({ layer, rotated }: { layer: ChannelMagnitudes; rotated: boolean }) {
  const shown = rotated ? layer.rotated : layer;
  const data = Array.from(shown.maxAbs, (max, channel) => ({ channel, max, mean: shown.meanAbs[channel]! }));
  return (
    <figure className="chart" data-testid={`activation-chart-${layer.layer}`}>
      <figcaption>
        <strong>{LAYER_TITLES[layer.layer]}</strong>
        {rotated ? ' after the Hadamard rotation' : ''} · {layer.channels} channels · max/median of max|x| ={' '}
        <span data-testid={`max-over-median-${layer.layer}`}>{shown.maxOverMedian.toFixed(1)}×</span>
        {rotated && ` (before: ${layer.maxOverMedian.toFixed(1)}×)`}
      </figcaption>
      <ResponsiveContainer width="100%" height={170}>
        <ComposedChart data={data} margin={{ top: 6, right: 12, bottom: 4, left: 0 }} barCategoryGap={0}>
          <CartesianGrid strokeDasharray="3 3" vertical={false} />
          <XAxis
            dataKey="channel"
            type="number"
            domain={[-0.5, layer.channels - 0.5]}
            tickCount={5}
            allowDecimals={false}
          />
          <YAxis width={44} tickFormatter={(v: number) => v.toPrecision(2)} />
          <Tooltip
            labelFormatter={(v) => `channel ${v}`}
            formatter={(v, name) => [Number(v).toFixed(3), name === 'max' ? 'max |x|' : 'mean |x|']}
          />
          <Bar dataKey="max" fill="#7aa6d8" isAnimationActive={false} />
          <Line dataKey="mean" stroke="#d0573b" dot={false} strokeWidth={1} isAnimationActive={false} />
        </ComposedChart>
      </ResponsiveContainer>
    </figure>
  );
}
