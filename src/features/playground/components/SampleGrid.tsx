import { useAppStore } from '../../../store';
import { settingToString } from '../../../quant/setting';
import { settingLabel } from '../../../quant/settingEditor';
import { cellKeyString, rowKeyString, rowsOf } from '../runPlan';
import { SampleCell } from './SampleCell';
import { layoutOf } from '../imagePixels';
import type { RefusedRun } from '../../../worker/protocol';
import { ErrorPanel } from '../../../components/ErrorPanel';

/** fp32 beside every quantised column, one row per class or seed. */
export function SampleGrid() {
  const view = useAppStore((s) => s.playground);
  const modelId = useAppStore((s) => s.modelId);
  const cells = useAppStore((s) => s.cells);
  const refusals = useAppStore((s) => s.refusals);
  const rowResults = useAppStore((s) => s.rowResults);
  const rows = rowsOf(view, modelId);
  const labels = view.columns.map(settingLabel);
  const notes = new Set(rows.flatMap((r) => rowResults.get(rowKeyString(r))?.notes ?? []));
  return (
    <div className="sample-grid-wrap" data-model={modelId}>
      <table className="sample-grid">
        <thead>
          <tr>
            <th scope="col">Row</th>
            <th scope="col">fp32 (reference)</th>
            {labels.map((l, i) => (
              <th scope="col" key={settingToString(view.columns[i])}>
                {l}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => {
            const result = rowResults.get(rowKeyString(row));
            const layout = layoutOf(result?.outputShape);
            return (
              <tr key={rowKeyString(row)}>
                <th scope="row">
                  class {row.classLabel}
                  <br />
                  seed {row.seed}
                </th>
                <td>
                  {result ? (
                    <SampleCell run={result.reference} title="fp32" showDiff={false} layout={layout} />
                  ) : (
                    <Pending />
                  )}
                </td>
                {view.columns.map((key, i) => {
                  const run = cells.get(cellKeyString(row, key));
                  const refusal = refusals.get(cellKeyString(row, key));
                  return (
                    <td key={settingToString(key)}>
                      {refusal ? (
                        <RefusedCell refusal={refusal} title={labels[i]} />
                      ) : run && result ? (
                        <SampleCell
                          run={run}
                          reference={result.reference}
                          title={labels[i]}
                          showDiff={view.diff}
                          layout={layout}
                        />
                      ) : (
                        <Pending />
                      )}
                    </td>
                  );
                })}
              </tr>
            );
          })}
        </tbody>
      </table>
      {[...notes].map((n) => (
        <p className="muted" key={n}>
          {n}
        </p>
      ))}
    </div>
  );
}

/** A setting the engine refused: its typed error (what happened, and the fix) in place of the sample. */
function RefusedCell({ refusal, title }: { refusal: RefusedRun; title: string }) {
  return (
    <div className="sample-refused" data-setting={settingToString(refusal.setting)} data-code={refusal.code}>
      <ErrorPanel title={`${title}: refused`} message={refusal.message} fix={refusal.fix} />
    </div>
  );
}

function Pending() {
  return <div className="sample-pending">not generated yet</div>;
}
