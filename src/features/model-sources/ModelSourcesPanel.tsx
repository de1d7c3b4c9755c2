/**
 * "Your models": bring bundles from a folder (picker or drop) or a URL, see them beside the shipped models with
 * where they came from, preview a sample from each brought generator, and free the downloaded bytes.
 */
import { useEffect, useState, type DragEvent } from 'react';
import { ErrorPanel } from '../../components/ErrorPanel';
import { useAppStore } from '../../store';
import { PixelCanvas } from '../playground/components/PixelCanvas';
import { DownloadProgressBar } from './DownloadProgressBar';
import { formatBytes } from './downloadCache';
import { filesFromDrop, filesFromInput, type PickedFolder } from './folderFiles';
import { modelsParam, withModelsParam } from './modelsParam';
import './modelSources.css';

export function ModelSourcesPanel() {
  const sources = useAppStore((s) => s.modelSources);
  const shipped = useAppStore((s) => s.models);
  const download = useAppStore((s) => s.sourceDownload);
  const cache = useAppStore((s) => s.downloadCache);
  const cleared = useAppStore((s) => s.clearedDownloads);
  const previews = useAppStore((s) => s.sourcePreviews);
  const { addSource, cancelSourceDownload, removeSource, clearDownloadCache, refreshDownloadCache, previewModel } =
    useAppStore.getState();
  const [url, setUrl] = useState('');
  const [dragging, setDragging] = useState(false);

  async function addUrl(u: string) {
    await addSource({ kind: 'url', url: u }, u);
    const added = useAppStore.getState().sourceDownload.state === 'idle';
    if (added && !modelsParam(window.location.search).includes(u))
      window.history.replaceState(null, '', withModelsParam(window.location, u));
  }

  useEffect(() => {
    void refreshDownloadCache();
    // Sources a link brings (?models=...), added once the page is up.
    void (async () => {
      for (const u of modelsParam(window.location.search)) await addUrl(u);
    })();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);

  const addFolder = (folder: PickedFolder) =>
    addSource({ kind: 'folder', name: folder.name, files: folder.files }, `folder ${folder.name}`);
  async function onDrop(e: DragEvent) {
    e.preventDefault();
    setDragging(false);
    await addFolder(await filesFromDrop(e.dataTransfer));
  }
  async function remove(id: string, requestedAs: string, kind: string) {
    await removeSource(id);
    if (kind === 'url') window.history.replaceState(null, '', withModelsParam(window.location, requestedAs, true));
  }
  async function clear() {
    for (const s of sources.filter((x) => x.source.kind === 'url'))
      window.history.replaceState(null, '', withModelsParam(window.location, s.requestedAs, true));
    await clearDownloadCache();
  }

  return (
    <section className="panel model-sources" aria-labelledby="sources-title">
      <h2 id="sources-title">Your models</h2>
      <p className="explain">
        Bring bundles as <code>python3 training/export_bundle.py</code> or <code>training/convert_official.py</code>{' '}
        write them (a folder with index.json). They are checked by the same validator as the shipped ones (sizes,
        sha256, tensors) and run on your GPU; nothing is uploaded.
      </p>
      <div
        className={`drop-zone${dragging ? ' dragging' : ''}`}
        data-testid="model-drop-zone"
        onDragOver={(e) => {
          e.preventDefault();
          setDragging(true);
        }}
        onDragLeave={() => setDragging(false)}
        onDrop={(e) => void onDrop(e)}
      >
        <label className="folder-pick">
          Pick a models folder
          {/* webkitdirectory is not in React's types; the attribute makes the picker choose folders. */}
          <input
            type="file"
            aria-label="Models folder"
            {...{ webkitdirectory: '', directory: '' }}
            multiple
            onChange={(e) =>
              e.target.files && e.target.files.length > 0 && void addFolder(filesFromInput(e.target.files))
            }
          />
        </label>
        <span className="muted"> or drop it here, or give the URL of a folder that holds index.json:</span>
        <form
          className="url-form"
          onSubmit={(e) => {
            e.preventDefault();
            if (url.trim()) void addUrl(url.trim());
          }}
        >
          <input
            type="url"
            aria-label="Models URL"
            placeholder="https://example.org/models/"
            value={url}
            onChange={(e) => setUrl(e.target.value)}
          />
          <button type="submit" disabled={download.state === 'running'}>
            Add URL
          </button>
        </form>
      </div>
      {download.state === 'running' && <DownloadProgressBar download={download} onCancel={cancelSourceDownload} />}
      {download.state === 'failed' && (
        <ErrorPanel
          title={`Could not add ${download.what}`}
          message={download.error.message}
          fix={download.error.fix}
        />
      )}

      <table className="source-list" aria-label="Models and where they come from">
        <thead>
          <tr>
            <th>Model</th>
            <th>Family</th>
            <th>From</th>
            <th>Sample</th>
          </tr>
        </thead>
        <tbody>
          {shipped.state === 'ready' &&
            shipped.models
              .filter((m) => m.generator && !m.quantTraining)
              .map((m) => (
                <tr key={m.id} data-origin="shipped">
                  <td>{m.id}</td>
                  <td>{m.family}</td>
                  <td>shipped with the app</td>
                  <td />
                </tr>
              ))}
          {sources.flatMap((s) =>
            s.models.map((m) => {
              const preview = previews.get(m.id);
              return (
                <tr key={m.id} data-origin={s.source.kind} data-model={m.id}>
                  <td>{m.id.slice(s.source.id.length + 1)}</td>
                  <td>{m.family}</td>
                  <td>
                    {s.source.kind === 'url' ? `URL ${s.source.label}` : s.source.label}
                    {s.stats && <span className="muted source-stats"> ({describeStats(s.stats)})</span>}
                  </td>
                  <td>
                    {m.generator && (
                      <button
                        type="button"
                        className="secondary"
                        onClick={() => void previewModel(m.id)}
                        disabled={preview?.state === 'running'}
                      >
                        Generate a sample
                      </button>
                    )}
                    {preview?.state === 'running' && <span className="muted"> {preview.message}</span>}
                    {preview?.state === 'done' && (
                      <figure className="source-preview">
                        {preview.image.pixels ? (
                          <PixelCanvas
                            pixels={preview.image.pixels}
                            size={preview.image.size}
                            scale={preview.image.size > 64 ? 1 : 3}
                            label={`Sample of ${m.id}`}
                          />
                        ) : (
                          <span className="muted">The output is raw (no decoder).</span>
                        )}
                        {preview.note && (
                          <figcaption className="muted">fp32, class 7, seed 1: {preview.note}</figcaption>
                        )}
                      </figure>
                    )}
                    {preview?.state === 'failed' && (
                      <ErrorPanel
                        title={`${m.id} could not generate`}
                        message={preview.error.message}
                        fix={preview.error.fix}
                      />
                    )}
                  </td>
                </tr>
              );
            }),
          )}
        </tbody>
      </table>
      {sources.map((s) => (
        <p key={s.source.id} className="source-actions">
          {s.cacheNote && <span className="muted">{s.cacheNote} </span>}
          <button
            type="button"
            className="secondary"
            onClick={() => void remove(s.source.id, s.requestedAs, s.source.kind)}
          >
            Remove {s.source.label}
          </button>
        </p>
      ))}
      <p className="cache-actions">
        <button type="button" className="secondary" onClick={() => void clear()} disabled={!cache || cache.files === 0}>
          Clear downloaded models{cache && cache.files > 0 ? ` (frees ${formatBytes(cache.bytes)})` : ''}
        </button>
        {cache && (
          <span className="muted" data-testid="download-cache">
            {' '}
            {cache.files === 0
              ? 'No downloaded models are kept.'
              : `${cache.files} downloaded files kept (${formatBytes(cache.bytes)}).`}
          </span>
        )}
        {cleared && (
          <span className="muted">
            {' '}
            Freed {formatBytes(cleared.bytes)} ({cleared.files} files).
          </span>
        )}
      </p>
    </section>
  );
}

function describeStats(s: {
  fromCache: number;
  cachedBytes: number;
  downloaded: number;
  downloadedBytes: number;
}): string {
  const parts = [];
  if (s.downloaded > 0) parts.push(`downloaded ${formatBytes(s.downloadedBytes)}`);
  if (s.fromCache > 0) parts.push(`${formatBytes(s.cachedBytes)} from the download cache`);
  return parts.join(', ') || 'nothing read';
}
