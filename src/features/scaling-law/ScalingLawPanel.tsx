import { useEffect, useMemo, useRef } from 'react';
import type { ModelFamily } from '../../models/bundle/types';
import { useAppStore } from '../../store';
import { ErrorPanel } from '../../components/ErrorPanel';
import type { QualityPoint } from '../../engine/quality/types';
import { AxisToggle } from './AxisToggle';
import { DistillationView } from './DistillationView';
import { ClaimsView } from './ClaimsView';
import { ExportLinks } from './ExportLinks';
import { FamilyChart } from './FamilyChart';
import { LiveMeasure } from './LiveMeasure';
import { logDomain, logTicks } from './logTicks';
import { chooseMetric, floorBand, METRIC_LABEL, yScaleFor } from './metric';
import { frontierSteps, paretoFrontier } from './pareto';
import { buildSeries, precisionColors, toChartPoint, type MarkedPoint } from './series';
import { columnTargets, columnsText, playgroundMarks, type ColumnTarget } from './playgroundLink';
import { settingToString } from '../../quant/setting';
import { axisValue, decoderBitsNote, pointBits } from './bitsAxis';
import './scalingLaw.css';

const FAMILIES: readonly ModelFamily[] = ['var', 'dit'];
const NO_POINTS: readonly QualityPoint[] = [];

/** Issue 5: the bit-level scaling laws of VAR and DiT from the shipped sweep, plus points measured live. */
export function ScalingLawPanel() {
  const sweepState = useAppStore((s) => s.scalingSweep);
  const loadSweep = useAppStore((s) => s.loadScalingSweep);
  const axis = useAppStore((s) => s.scalingAxis);
  const fdScale = useAppStore((s) => s.scalingFdScale);
  const measured = useAppStore((s) => s.scalingMeasured);
  const live = useAppStore((s) => s.scalingLive);
  const wantedMetric = useAppStore((s) => s.scalingMetric);
  const chartsRef = useRef<HTMLDivElement>(null);
  const decoders = useAppStore((s) => s.scalingDecoders);
  const loadDecoders = useAppStore((s) => s.loadScalingDecoders);
  const playgroundModel = useAppStore((s) => s.modelId);
  const playgroundView = useAppStore((s) => s.playground);
  const models = useAppStore((s) => s.models);
  const targets = useMemo(
    () => columnTargets({ modelId: playgroundModel, playground: playgroundView, models }),
    [playgroundModel, playgroundView, models],
  );

  useEffect(() => {
    void loadSweep();
  }, [loadSweep]);
  useEffect(() => {
    void loadDecoders();
  }, [loadDecoders]);

  const sweepPoints = sweepState.state === 'ready' ? sweepState.sweep.points : NO_POINTS;
  const sweepFile = sweepState.state === 'ready' ? sweepState.sweep : undefined;
  const livePoint = live.state === 'running' && live.point ? live.point : undefined;
  const choice = useMemo(
    () => chooseMetric(wantedMetric, [...sweepPoints, ...measured, ...(livePoint ? [livePoint] : [])]),
    [wantedMetric, sweepPoints, measured, livePoint],
  );
  const metric = choice.metric;
  const floor = sweepFile ? floorBand(sweepFile.realDataFloor, metric, sweepFile.config.samples) : undefined;
  const linked = useMemo(
    () => playgroundMarks([...sweepPoints, ...measured], targets),
    [sweepPoints, measured, targets],
  );
  const view = useMemo(() => {
    const colors = precisionColors([...sweepPoints, ...measured]);
    const series = buildSeries(sweepPoints, axis, colors, metric);
    const xs = [...sweepPoints, ...measured, ...(livePoint ? [livePoint] : [])].map((p) => axisValue(p, axis));
    const xDomain = logDomain(xs);
    const perFamily = FAMILIES.map((family) => {
      const familySeries = series.filter((s) => s.family === family);
      const frontier = paretoFrontier(familySeries.flatMap((s) => s.points));
      return {
        family,
        series: familySeries,
        frontier: frontierSteps(frontier, xDomain[1]),
        measured: measured
          .filter((p) => p.family === family)
          .map((p) => toChartPoint(p, axis, metric))
          .filter((p) => Number.isFinite(p.value)),
        live: livePoint?.family === family ? toChartPoint(livePoint, axis, metric) : undefined,
        marks: linked.marks
          .filter((m) => m.point.family === family)
          .map((m): MarkedPoint => ({
            ...toChartPoint(m.point, axis, metric),
            columnsLabel: columnsText(m.columns),
            active: m.active,
          }))
          .filter((p) => Number.isFinite(p.value)),
      };
    });
    return { xDomain, xTicks: logTicks(xDomain[0], xDomain[1]), perFamily, hasPoints: xs.length > 0 };
  }, [sweepPoints, measured, livePoint, axis, metric, linked]);

  return (
    <section aria-labelledby="scaling-title" className="panel" data-testid="scaling-law-panel">
      <h2 id="scaling-title">Bit-level scaling laws</h2>
      <p className="explain">
        Each point is one model size at one precision: x is how many bits its weights take in total (parameters × bits
        per parameter, log scale), y is FD, the Fréchet distance between classifier features of its samples and of real
        MNIST digits (lower is better). A curve joins the sizes of one family at one precision; the precision whose
        curve lies lowest for a given bit budget is the best use of those bits. The paper finds VAR (discrete tokens)
        keeps its curve at low bits while DiT (continuous latents) falls apart.
      </p>
      <SweepStatus onRetry={() => void loadSweep()} />
      <div className="scaling-toolbar">
        <AxisToggle choice={choice} />
      </div>
      {choice.notice && (
        <p className="muted" data-testid="metric-notice">
          {choice.notice}
        </p>
      )}
      {view.hasPoints && (
        <div className="scaling-charts" ref={chartsRef}>
          {view.perFamily.map((f) => (
            <FamilyChart
              key={f.family}
              {...f}
              axis={axis}
              metric={metric}
              yScale={yScaleFor(metric, fdScale)}
              floor={floor}
              xDomain={view.xDomain}
              xTicks={view.xTicks}
            />
          ))}
        </div>
      )}
      <PlaygroundMarksNote modelId={playgroundModel} marked={linked.marks.length} unmarked={linked.unmarked} />
      <p className="explain" style={{ marginTop: 8 }}>
        Error bars: ± one jackknife standard error of {METRIC_LABEL[metric]} (groups that each hold every class); the
        tooltip gives the sample count.{' '}
        {floor
          ? `The green band is the real-data floor: ${METRIC_LABEL[metric]} of ${floor.samples} real digits, ± its error, what a perfect generator would score at this N. `
          : ''}
        {metric === 'kid'
          ? 'KID (kernel distance, unbiased) does not drift with the sample count as FD does and can dip slightly below 0. '
          : ''}
        The grey step line is the Pareto frontier, the best {METRIC_LABEL[metric]} any measured configuration of that
        family reaches within a bit budget. Dashed curves use another method than plain rounding (RTN) at the same
        precision as the solid curve of their colour.{' '}
        {axis === 'computeBits'
          ? 'Compute bits multiply weight bits by activation bits, so weight-only and weight+activation settings meet on one axis.'
          : ''}
      </p>
      <p className="muted" data-testid="bits-note">
        Unquantised parameters count at their stored 16 bits (the bundles store f16).{' '}
        {axis !== 'computeBits' && sweepPoints.some((p) => pointBits(p).derived)
          ? 'This sweep file counted them at 32 bits; its x values are re-derived here from its bits per weight and the zoo’s block layout. '
          : ''}
        {decoders ? decoderBitsNote(decoders) : ''}
      </p>
      <LiveMeasure />
      <DistillationView points={sweepPoints.concat(measured)} />
      <ClaimsView sweep={sweepFile} metric={metric} />
      <ExportLinks chartsRef={chartsRef} />
    </section>
  );
}

/** Which playground columns are ringed on the curves, and which are not (nobody measured them yet). */
function PlaygroundMarksNote({
  modelId,
  marked,
  unmarked,
}: {
  modelId: string;
  marked: number;
  unmarked: readonly ColumnTarget[];
}) {
  const missing = unmarked.map(
    (t) =>
      `${columnsText([t.column])} (${settingToString(t.shown)}${t.modelId === undefined ? ', a student that is not shipped' : ''})`,
  );
  return (
    <p className="muted" data-testid="playground-marks" aria-live="polite">
      The playground shows {modelId}:{' '}
      {marked > 0
        ? 'its columns are ringed on the curves (the active column twice). '
        : 'none of its columns is on the curves. '}
      {missing.length > 0
        ? `Not measured yet: ${missing.join(', ')}; turn on “Measure as I change” below to measure the active column live.`
        : ''}
    </p>
  );
}

function SweepStatus({ onRetry }: { onRetry: () => void }) {
  const sweep = useAppStore((s) => s.scalingSweep);
  if (sweep.state === 'loading')
    return (
      <p className="muted" aria-live="polite">
        Loading the precomputed sweep…
      </p>
    );
  if (sweep.state === 'missing')
    return (
      <p className="muted" data-testid="sweep-missing">
        No precomputed sweep yet: run npm run sweep. Points you measure below still appear on the charts.
      </p>
    );
  if (sweep.state === 'invalid')
    return <ErrorPanel title="The precomputed sweep cannot be read" message={sweep.message} fix={sweep.fix} />;
  if (sweep.state === 'failed')
    return (
      <ErrorPanel
        title="The precomputed sweep did not load"
        message={sweep.error.message}
        fix={sweep.error.fix}
        action={
          <button type="button" onClick={onRetry}>
            Try again
          </button>
        }
      />
    );
  const { sweep: file, notices } = sweep;
  return (
    <>
      <p className="muted" data-testid="sweep-info">
        Sweep: {file.points.length} points, {file.config.samples} samples each (seed {file.config.seed}; DiT{' '}
        {file.config.ditSteps} {file.config.ditSampler} steps), measured {file.createdAt.slice(0, 10)} on {file.adapter}
        . Numbers compare only within one sweep.
      </p>
      {notices.length > 0 && (
        <div className="sweep-notice" role="note" data-testid="sweep-notice">
          {notices.map((n) => (
            <p key={n}>{n}</p>
          ))}
        </div>
      )}
    </>
  );
}
