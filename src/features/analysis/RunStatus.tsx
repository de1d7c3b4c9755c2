import { ErrorPanel } from '../../components/ErrorPanel';
import type { ViewRun } from './analysisSlice';

/** Progress with a cancel button while a view runs, or its error; nothing when idle or done. */
export function RunStatus<T>({ run, title, onCancel }: { run: ViewRun<T>; title: string; onCancel: () => void }) {
  if (run.state === 'running') {
    return (
      <div className="progress-line" aria-live="polite">
        <progress value={run.fraction} max={1} aria-label={`${title} progress`} />
        <span>{run.message}</span>
        <button type="button" className="secondary" onClick={onCancel}>
          Cancel
        </button>
      </div>
    );
  }
  if (run.state === 'failed')
    return <ErrorPanel title={`${title} failed`} message={run.error.message} fix={run.error.fix} />;
  return null;
}
