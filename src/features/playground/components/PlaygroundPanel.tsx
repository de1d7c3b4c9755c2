import { useEffect, useState } from 'react';
import { ErrorPanel } from '../../../components/ErrorPanel';
import { useAppStore } from '../../../store';
import { useLiveGenerate, usePlaygroundUrl } from '../usePlaygroundUrl';
import { ColumnTabs } from './ColumnTabs';
import { ErrorTraces } from './ErrorTraces';
import { ExportButtons } from './ExportButtons';
import { ModelControls } from './ModelControls';
import { SampleGrid } from './SampleGrid';
import { SettingControls } from './SettingControls';
import { UrlProblems } from './UrlProblems';

/** Samples of fp32 beside up to four quantised settings, with their per-step error traces. */
export function PlaygroundPanel() {
  usePlaygroundUrl();
  const [live, setLive] = useState(true);
  useLiveGenerate(live);
  const loadModels = useAppStore((s) => s.loadModels);
  const models = useAppStore((s) => s.models);
  const run = useAppStore((s) => s.playgroundRun);
  const generate = useAppStore((s) => s.generate);
  const cancel = useAppStore((s) => s.cancelGenerate);
  const diff = useAppStore((s) => s.playground.diff);
  const setView = useAppStore((s) => s.setView);
  useEffect(() => void loadModels(), [loadModels]);
  return (
    <section className="panel playground" aria-labelledby="playground-title">
      <h2 id="playground-title">Generate: full precision beside quantised settings</h2>
      <p className="explain">
        Every column samples with the same class, seed and random draws as the fp32 reference, so any difference comes
        from quantisation. Pick a column, change its bits, and only that column is generated again. Under each sample:
        PSNR against fp32 (higher is closer), what our MNIST classifier thinks the digit is, and for VAR how many of its
        tokens equal fp32's (a token changes only where quantisation moved the model's choice; the codebook absorbs the
        rest).
      </p>
      <UrlProblems />
      {models.state === 'failed' && (
        <ErrorPanel
          title="The model list could not be loaded"
          message={models.error.message}
          fix={models.error.fix}
          action={<button onClick={() => void loadModels()}>Try again</button>}
        />
      )}
      <ModelControls />
      <h3 className="sub">Quantised settings</h3>
      <ColumnTabs />
      <SettingControls />
      <div className="actions run-actions">
        <button type="button" onClick={() => void generate()} disabled={run.state === 'running'}>
          Generate
        </button>
        <button type="button" className="secondary" onClick={cancel} disabled={run.state !== 'running'}>
          Cancel
        </button>
        <label className="check">
          <input type="checkbox" checked={live} onChange={(e) => setLive(e.target.checked)} /> Update live
        </label>
        <label className="check">
          <input type="checkbox" checked={diff} onChange={(e) => setView({ diff: e.target.checked })} /> Show difference
          heatmaps
        </label>
      </div>
      {run.state === 'running' && (
        <div className="progress-line" aria-live="polite">
          <progress value={run.fraction} max={1} aria-label="Generation progress" /> <span>{run.message}</span>
        </div>
      )}
      {run.state === 'failed' && (
        <ErrorPanel title="Generation failed" message={run.error.message} fix={run.error.fix} />
      )}
      <SampleGrid />
      {diff && (
        <p className="muted heat-legend">
          Heatmap: white = same pixel as fp32, yellow to dark red = up to the full black-to-white range apart.
        </p>
      )}
      <ExportButtons />
      <ErrorTraces />
    </section>
  );
}
