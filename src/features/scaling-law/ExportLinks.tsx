import { useEffect, useMemo, useState, type RefObject } from 'react';
import { useAppStore } from '../../store';
import { ErrorPanel } from '../../components/ErrorPanel';
import { download } from '../../util/download';
import { elementToPng } from './chartPng';
import { exportFileName, exportRows, toCsv, toJson } from './exportData';

/** Object URL of a text download, revoked when the text changes or the component goes away. */
function useTextUrl(text: string, type: string): string {
  const url = useMemo(() => URL.createObjectURL(new Blob([text], { type })), [text, type]);
  useEffect(() => () => URL.revokeObjectURL(url), [url]);
  return url;
}

/** Downloads of the chart data (sweep + points measured here) and of the charts as a picture. */
export function ExportLinks({ chartsRef }: { chartsRef: RefObject<HTMLElement | null> }) {
  const sweepState = useAppStore((s) => s.scalingSweep);
  const measured = useAppStore((s) => s.scalingMeasured);
  const axis = useAppStore((s) => s.scalingAxis);
  const sweep = sweepState.state === 'ready' ? sweepState.sweep : undefined;
  const csv = useMemo(() => toCsv(exportRows(sweep, measured)), [sweep, measured]);
  const json = useMemo(() => toJson(sweep, measured), [sweep, measured]);
  const csvUrl = useTextUrl(csv, 'text/csv');
  const jsonUrl = useTextUrl(json, 'application/json');
  const date = sweep ? new Date(sweep.createdAt) : new Date();
  const [pngError, setPngError] = useState<string>();
  const [making, setMaking] = useState(false);
  const rowCount = (sweep?.points.length ?? 0) + measured.length;

  const downloadPng = async () => {
    const root = chartsRef.current;
    if (!root) return;
    setMaking(true);
    setPngError(undefined);
    try {
      download(await elementToPng(root), exportFileName(axis, 'png', date));
    } catch (error) {
      setPngError((error as Error).message);
    } finally {
      setMaking(false);
    }
  };

  return (
    <section className="scaling-export" aria-label="Export">
      <h3>Export</h3>
      <div className="actions">
        {rowCount > 0 ? (
          <>
            <a className="download-link" href={csvUrl} download={exportFileName(axis, 'csv', date)}>
              Download CSV ({rowCount} points)
            </a>
            <a className="download-link" href={jsonUrl} download={exportFileName(axis, 'json', date)}>
              Download JSON
            </a>
          </>
        ) : (
          <span className="muted">No points to export yet.</span>
        )}
        <button type="button" onClick={() => void downloadPng()} disabled={making || rowCount === 0}>
          Download PNG of the charts
        </button>
      </div>
      {pngError && <ErrorPanel title="The PNG could not be made" message={pngError} />}
    </section>
  );
}
