import { useAppStore } from '../../store';
import { Field } from '../../components/Field';
import { SettingPicker } from '../../components/SettingPicker';
import { settingToString } from '../../quant/setting';
import type { MixedPrecisionResult } from '../../engine/analysis/types';
import { ModelField } from './ModelField';
import { ControlsForm } from './ControlsForm';
import { RunStatus } from './RunStatus';
import { allocationSummary, widthColour } from './mixedPrecisionText';

export function MixedPrecisionView() {
  const c = useAppStore((s) => s.analysisMixed);
  const set = useAppStore((s) => s.setAnalysisMixed);
  const runView = useAppStore((s) => s.runAnalysisMixed);
  const cancel = useAppStore((s) => s.cancelAnalysis);
  const run = useAppStore((s) => s.analysisMixedRun);
  return (
    <section aria-labelledby="analysis-mixed-title" className="analysis-view" data-testid="analysis-mixed">
      <h3 id="analysis-mixed-title">Per-layer mixed precision (-mp)</h3>
      <p className="explain">
        Not every Linear suffers equally from fewer bits. The model&apos;s sensitivity table (measured offline: each
        Linear alone at each width, the rest at full precision) lets the engine give the sensitive layers more bits and
        the robust ones fewer, at the same average, which is what a -mp setting runs in the playground.
      </p>
      <ControlsForm onRun={runView}>
        <ModelField label="Model" value={c.modelId} onChange={(modelId) => set({ modelId })} />
        <SettingPicker setting={c.weights} context={{ scope: 'weights' }} onChange={(weights) => set({ weights })} />
        <Field label="Average bits" hint="the budget B of -mp<B>: at most the weight width">
          {(id) => (
            <input
              id={id}
              type="number"
              min={1}
              max={8}
              step={0.25}
              value={c.budget}
              onChange={(e) => {
                const v = Number(e.target.value);
                if (Number.isFinite(v)) set({ budget: v });
              }}
            />
          )}
        </Field>
        <div className="actions">
          <button type="submit" disabled={run.state === 'running'}>
            Show allocation
          </button>
        </div>
      </ControlsForm>
      <RunStatus run={run} title="Mixed-precision allocation" onCancel={() => cancel('mixed')} />
      {run.state === 'done' && <Allocation result={run.result} />}
    </section>
  );
}

function Allocation({ result }: { result: MixedPrecisionResult }) {
  const total = result.layers.reduce((s, l) => s + l.params, 0);
  return (
    <div data-testid="mixed-allocation">
      <p>{allocationSummary(result)}</p>
      <div className="mp-strip" role="img" aria-label="Allocated width per Linear, each as wide as its weights">
        {result.layers.map((l) => (
          <span
            key={l.name}
            className="mp-cell"
            style={{ flexGrow: l.params / total, background: widthColour(l.bits, result.widths) }}
            title={`${l.name}: ${l.bits} bits (${l.params.toLocaleString('en-US')} weights)`}
          >
            {l.bits}
          </span>
        ))}
      </div>
      <table className="snr-table mp-table">
        <caption className="explain">
          {result.metric} ({result.granularity}); the allocated width in bold. Setting{' '}
          <code>{settingToString(result.setting)}</code>.
        </caption>
        <thead>
          <tr>
            <th scope="col">Linear</th>
            <th scope="col">weights</th>
            {result.widths.map((b) => (
              <th scope="col" key={b}>
                {b} bits
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {result.layers.map((l) => (
            <tr key={l.name}>
              <th scope="row">{l.name}</th>
              <td>{l.params.toLocaleString('en-US')}</td>
              {l.errorByBits.map((e, i) => (
                <td key={result.widths[i]} className={result.widths[i] === l.bits ? 'mp-chosen' : undefined}>
                  {e.toPrecision(3)}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
