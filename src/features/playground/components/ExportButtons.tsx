import { useAppStore } from '../../../store';
import { download } from '../../../util/download';
import { cellsToCsv, cellsToJson, cellsToPng, exportCells } from '../exportResults';
import { layoutOf } from '../imagePixels';
import { rowKeyString } from '../runPlan';

/** CSV / JSON of every generated cell's numbers and PNG of the sample grid. */
export function ExportButtons() {
  const view = useAppStore((s) => s.playground);
  const modelId = useAppStore((s) => s.modelId);
  const cells = useAppStore((s) => s.cells);
  const rows = useAppStore((s) => s.rowResults);
  const current = exportCells(view, modelId, cells, rows);
  const name = `${modelId}-class${view.classLabel}-seed${view.seed}`;
  const disabled = current.length === 0;
  const layout = layoutOf(current[0] && rows.get(rowKeyString(current[0].row))?.outputShape);
  return (
    <div className="actions export-actions" role="group" aria-label="Export the samples">
      <button
        type="button"
        className="secondary"
        disabled={disabled}
        onClick={() => download(new Blob([cellsToCsv(current)], { type: 'text/csv' }), `${name}.csv`)}
      >
        Download samples CSV
      </button>
      <button
        type="button"
        className="secondary"
        disabled={disabled}
        onClick={() => download(new Blob([cellsToJson(view, current)], { type: 'application/json' }), `${name}.json`)}
      >
        Download samples JSON
      </button>
      <button
        type="button"
        className="secondary"
        disabled={disabled}
        onClick={() => void cellsToPng(view, current, layout).then((b) => download(b, `${name}.png`))}
      >
        Download samples PNG
      </button>
    </div>
  );
}
