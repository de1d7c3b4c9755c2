import { formatBytes } from './downloadCache';
import type { SourceDownload } from './modelSourcesSlice';

/** Bytes so far of the total the manifests list, the rate since the start, and a cancel button. */
export function DownloadProgressBar({
  download,
  onCancel,
}: {
  download: Extract<SourceDownload, { state: 'running' }>;
  onCancel: () => void;
}) {
  const { received, total, bytesPerSecond, message, what } = download;
  return (
    <div className="download-progress" aria-live="polite">
      <progress
        aria-label={`Downloading ${what}`}
        max={total > 0 ? total : undefined}
        value={total > 0 ? received : undefined}
      />
      <span data-testid="download-bytes">
        {formatBytes(received)}
        {total > 0 ? ` of ${formatBytes(total)}` : ''}
        {bytesPerSecond > 0 ? `, ${formatBytes(bytesPerSecond)}/s` : ''}
      </span>
      <span className="muted"> {message}</span>
      <button type="button" className="secondary" onClick={onCancel}>
        Cancel
      </button>
    </div>
  );
}
