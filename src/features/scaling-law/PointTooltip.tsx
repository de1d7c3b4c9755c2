import { formatSi } from './logTicks';
import { formatMetric } from './metric';
import { methodLabel } from './precision';
import { chartPointKey, type BitsAxis, type ChartPoint, type MarkedPoint } from './series';
import { axisLabel } from './bitsAxis';

/** Tooltip of one point: which model and setting, where it sits, and how many samples its FD rests on. */
export function PointTooltip({
  active,
  payload,
  axis,
  marks = [],
}: {
  active?: boolean;
  payload?: ReadonlyArray<{ payload?: unknown }>;
  axis: BitsAxis;
  /** The points the playground runs: the tooltip of any marker of one of them says which column. */
  marks?: readonly MarkedPoint[];
}) {
  // Only entries of measured points carry a modelId (the frontier's step vertices do not).
  const entry = payload?.find((e) => (e.payload as Partial<ChartPoint> | undefined)?.modelId !== undefined);
  if (!active || !entry) return null;
  const p = entry.payload as ChartPoint;
  const mark = marks.find((m) => chartPointKey(m) === chartPointKey(p));
  return (
    <div className="scaling-tooltip">
      <strong>
        {p.modelId} · {p.settingText}
        {p.partial ? ' (measuring…)' : ''}
      </strong>
      <dl>
        <dt>{axisLabel(axis)}</dt>
        <dd>{formatSi(p.x)}</dd>
        <dt>FD</dt>
        <dd>{formatMetric('fd', p.fd, p.fdStdErr)}</dd>
        <dt>KID</dt>
        <dd>{p.kid === undefined ? 'not measured' : formatMetric('kid', p.kid, p.kidSe)}</dd>
        <dt>Samples</dt>
        <dd>n = {p.samples}</dd>
        <dt>Accuracy</dt>
        <dd>{(100 * p.accuracy).toFixed(1)} %</dd>
        <dt>Method</dt>
        <dd>{methodLabel(p.method)}</dd>
        {p.engine && (
          <>
            <dt>Engine</dt>
            <dd>{p.engine === 'pytorch' ? 'PyTorch reference' : 'WebGPU (this app’s engine)'}</dd>
          </>
        )}
        {mark && (
          <>
            <dt>In the playground</dt>
            <dd>
              {mark.columnsLabel}
              {mark.active ? ' (active)' : ''}
            </dd>
          </>
        )}
      </dl>
    </div>
  );
}
