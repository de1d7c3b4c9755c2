import { useAppStore } from '../../store';
import { Field } from '../../components/Field';
import { SettingPicker } from '../../components/SettingPicker';
import { settingToString } from '../../quant/setting';
import type { WeightLayer } from '../../engine/analysis/types';
import { WeightHistogram } from '../format-explorer/WeightHistogram';
import { IntField, ModelField } from './ModelField';
import { ControlsForm } from './ControlsForm';
import { RunStatus } from './RunStatus';

const LAYERS: Record<WeightLayer, string> = {
  qkv: 'qkv (attention in)',
  proj: 'proj (attention out)',
  fc1: 'fc1 (MLP in)',
  fc2: 'fc2 (MLP out)',
  adaLN: 'adaLN (modulation)',
};

export function WeightGridView() {
  const c = useAppStore((s) => s.analysisWeights);
  const set = useAppStore((s) => s.setAnalysisWeights);
  const runView = useAppStore((s) => s.runAnalysisWeights);
  const cancel = useAppStore((s) => s.cancelAnalysis);
  const run = useAppStore((s) => s.analysisWeightsRun);
  const result = run.state === 'done' ? run.result : undefined;
  return (
    <section aria-labelledby="analysis-weights-title" className="analysis-view" data-testid="analysis-weights">
      <h3 id="analysis-weights-title">Weights on the quantisation grid</h3>
      <p className="explain">
        The trained weights of one layer, each divided by its group's scale (minus the offset for asymmetric INT), so
        all groups share one axis in code units. Red lines are the values a code can hold: every weight is rounded to
        the nearest line. Bell-shaped weights on a uniform INT grid leave the outer levels nearly empty; FP grids are
        dense near zero.
      </p>
      <ControlsForm onRun={runView}>
        <ModelField label="Model" value={c.modelId} onChange={(modelId) => set({ modelId })} />
        <IntField
          label="Block"
          value={c.block}
          min={0}
          max={31}
          hint="0 to depth − 1"
          onChange={(block) => set({ block })}
        />
        <Field label="Layer">
          {(id) => (
            <select id={id} value={c.layer} onChange={(e) => set({ layer: e.target.value as WeightLayer })}>
              {(Object.keys(LAYERS) as WeightLayer[]).map((l) => (
                <option key={l} value={l}>
                  {LAYERS[l]}
                </option>
              ))}
            </select>
          )}
        </Field>
        <SettingPicker setting={c.setting} context={{ scope: 'weights' }} onChange={(setting) => set({ setting })} />
        <Field label="Show">
          {(id) => (
            <select id={id} value={c.scope} onChange={(e) => set({ scope: e.target.value as 'layer' | 'group' })}>
              <option value="layer">Whole layer (per-group normalised)</option>
              <option value="group">One scale group</option>
            </select>
          )}
        </Field>
        {c.scope === 'group' && (
          <IntField
            label="Group"
            value={c.group}
            min={0}
            max={1_000_000}
            hint={result ? `0 to ${result.groups - 1}` : undefined}
            onChange={(group) => set({ group })}
          />
        )}
        <div className="actions">
          <button type="submit" disabled={run.state === 'running'}>
            Show weights
          </button>
        </div>
      </ControlsForm>
      <RunStatus run={run} title="Weight histogram" onCancel={() => cancel('weights')} />
      {result && (
        <div data-testid="weight-histogram">
          <dl className="metrics">
            <Metric
              label="Layer"
              value={result.linear}
              hint={`[${result.rows} × ${result.cols}], ${result.groups} scale groups`}
            />
            <Metric
              label="Bits per weight"
              value={result.bitsPerWeight.toFixed(3)}
              hint={`${settingToString(result.setting)}: code bits + f16 scale per group`}
            />
            <Metric
              label="Weight error"
              value={`${(100 * result.weightRelRmse).toFixed(2)} %`}
              hint="relative RMS of dequantised minus original, over what is shown"
            />
            {result.scale !== undefined && (
              <Metric
                label="Group scale"
                value={result.scale.toPrecision(4)}
                hint={`offset ${result.offset?.toPrecision(4) ?? 0}`}
              />
            )}
          </dl>
          <WeightHistogram
            edges={result.edges}
            counts={result.counts}
            grid={result.grid}
            valueName="w / scale"
            caption={
              result.scope.kind === 'group'
                ? `Bars: the ${result.weights} weights of group ${result.scope.index} of ${result.linear}, divided by the group's scale (code units).`
                : `Bars: all ${result.weights} weights of ${result.linear}, each divided by its own group's scale (code units).`
            }
          />
        </div>
      )}
    </section>
  );
}

function Metric({ label, value, hint }: { label: string; value: string; hint: string }) {
  return (
    <div className="metric" title={hint}>
      <dt>{label}</dt>
      <dd>{value}</dd>
      <dd className="metric-hint">{hint}</dd>
    </div>
  );
}
