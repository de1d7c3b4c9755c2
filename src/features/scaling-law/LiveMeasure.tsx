import { useMemo } from 'react';
import { useAppStore } from '../../store';
import { Field } from '../../components/Field';
import { ErrorPanel } from '../../components/ErrorPanel';
import { settingToString } from '../../quant/setting';
import { SettingPicker } from '../../components/SettingPicker';
import { formatMetric } from './metric';
import { pairedLines } from './pairedText';
import type { QualityPoint } from '../../engine/quality/types';
import { SAMPLE_CHOICES, effectivePick } from './scalingLawSlice';
import { activeTarget, columnsText } from './playgroundLink';

// Offered before the model list and the sweep are loaded (ids of the shipped bundles).
const FALLBACK_MODELS = [
  'mnist-var-d1',
  'mnist-var-d2',
  'mnist-var-d3',
  'mnist-dit-d1',
  'mnist-dit-d2',
  'mnist-dit-d3',
  'mnist-dit-d4',
];

/** Picks a (model, setting) and measures its FD live: the point moves on the chart as samples accumulate. */
export function LiveMeasure() {
  const pick = useAppStore((s) => s.scalingPick);
  const playgroundModel = useAppStore((s) => s.modelId);
  const playgroundSettings = useAppStore((s) => s.quantSettings);
  const models = useAppStore((s) => s.models);
  const sweep = useAppStore((s) => s.scalingSweep);
  const live = useAppStore((s) => s.scalingLive);
  const setPick = useAppStore((s) => s.setScalingPick);
  const measure = useAppStore((s) => s.measureScalingPoint);
  const cancel = useAppStore((s) => s.cancelScalingMeasure);
  const lastMeasured = useAppStore((s) => s.scalingMeasured.at(-1));
  const follow = useAppStore((s) => s.scalingFollow);
  const setFollow = useAppStore((s) => s.setScalingFollow);
  const view = useAppStore((s) => s.playground);
  const following = useMemo(
    () => activeTarget({ modelId: playgroundModel, playground: view, models }),
    [playgroundModel, view, models],
  );
  const chosen = effectivePick({
    scalingPick: pick,
    scalingFollow: follow,
    following,
    modelId: playgroundModel,
    quantSettings: playgroundSettings,
  });

  const modelIds = useMemo(() => {
    const ids = new Set<string>([playgroundModel]);
    if (models.state === 'ready') models.models.filter((m) => m.generator).forEach((m) => ids.add(m.id));
    else FALLBACK_MODELS.forEach((id) => ids.add(id));
    if (sweep.state === 'ready') sweep.sweep.points.forEach((p) => ids.add(p.modelId));
    return [...ids];
  }, [playgroundModel, models, sweep]);
  const running = live.state === 'running';

  return (
    <div className="live-box">
      <h3>Measure a point live</h3>
      <p className="explain">
        Generates class-balanced samples on your GPU and computes their FD and KID (when the classifier bundle ships
        KID's reference). The magenta ringed point moves as samples arrive and its error bar shrinks: with few samples
        FD is noisy and biased upwards, so compare FDs measured with similar n; KID is unbiased at any n. Defaults to
        the model and first quantised setting picked in the playground.
      </p>
      <div className="follow-toggle">
        {/* The hint sits outside the label: the label is the control's name and must stay just that. */}
        <label>
          <input type="checkbox" checked={follow} onChange={(e) => setFollow(e.target.checked)} /> Measure as I change
        </label>
        <span className="muted">
          {' '}
          — re-measures the playground&rsquo;s active column after each change of its model or setting (the stale
          measurement is cancelled)
        </span>
      </div>
      {follow && following && (
        <p className="follow-target" data-testid="follow-target" aria-live="polite">
          {following.modelId === undefined
            ? `Following the playground: ${columnsText([following.column])} is a trained student (${settingToString(following.shown)}) that is not shipped, so there is nothing to measure.`
            : `Following the playground: ${columnsText([following.column])}, ${settingToString(following.shown)} on ${following.modelId}${following.shown.method.kind === 'qat' ? ` (the student bundle at ${settingToString(following.setting)})` : ''}.`}
        </p>
      )}
      <form
        className="controls"
        onSubmit={(e) => {
          e.preventDefault();
          void measure();
        }}
      >
        {!follow && (
          <>
            <Field label="Model">
              {(id) => (
                <select id={id} value={chosen.modelId} onChange={(e) => setPick({ modelId: e.target.value })}>
                  {modelIds.map((m) => (
                    <option key={m} value={m}>
                      {m}
                    </option>
                  ))}
                </select>
              )}
            </Field>
            <SettingPicker
              setting={chosen.setting}
              context={{ scope: 'model' }}
              onChange={(setting) => setPick({ setting })}
            />
          </>
        )}
        <Field label="Samples" hint="More samples: a smaller error bar, a longer wait.">
          {(id) => (
            <select id={id} value={chosen.samples} onChange={(e) => setPick({ samples: Number(e.target.value) })}>
              {SAMPLE_CHOICES.map((n) => (
                <option key={n} value={n}>
                  {n}
                </option>
              ))}
            </select>
          )}
        </Field>
        <div className="actions">
          <button type="submit" disabled={running || (follow && following?.modelId === undefined)}>
            {follow ? 'Measure again' : 'Measure quality'}
          </button>
          {running && (
            <button type="button" onClick={cancel}>
              Cancel
            </button>
          )}
          {!follow && (pick.modelId !== null || pick.setting !== null) && (
            <button type="button" className="secondary" onClick={() => setPick({ modelId: null, setting: null })}>
              Use the playground's pick
            </button>
          )}
        </div>
      </form>
      {running && (
        <div className="live-status" aria-live="polite" data-testid="live-status">
          <progress max={1} value={live.fraction} aria-label="Measurement progress" />
          <span className="live-what" data-testid="live-what">
            {live.modelId} at {settingToString(live.setting)}
            {live.column !== undefined ? ` (playground ${columnsText([live.column])})` : ''}:
          </span>
          {live.point ? (
            <span className="live-n">
              n = {live.point.samples} of {live.samples} samples · FD{' '}
              {formatMetric('fd', live.point.fd, live.point.fdStdErr)}
              {live.point.kid !== undefined ? ` · KID ${formatMetric('kid', live.point.kid, live.point.kidSe)}` : ''}
            </span>
          ) : (
            <span>{live.message}</span>
          )}
        </div>
      )}
      <PairedMetricsView point={live.state === 'running' ? live.point : lastMeasured} />
      {live.state === 'failed' && (
        <ErrorPanel
          title={`Measuring ${live.modelId} at ${settingToString(live.setting)} failed`}
          message={live.error.message}
          fix={live.error.fix}
        />
      )}
    </div>
  );
}

/** The live point's paired metrics against fp32 (same draws), converging within tens of samples. */
function PairedMetricsView({ point }: { point: QualityPoint | undefined }) {
  const lines = pairedLines(point?.paired);
  if (!point || lines.length === 0) return null;
  return (
    <dl className="paired-metrics" data-testid="paired-metrics" aria-live="polite">
      {lines.map((l) => (
        <div key={l.label}>
          <dt>
            {l.label} ({point.modelId}, {settingToString(point.setting)})
          </dt>
          <dd>{l.text}</dd>
          <dd className="muted">{l.hint}</dd>
        </div>
      ))}
    </dl>
  );
}
