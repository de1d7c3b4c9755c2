import {
  CartesianGrid,
  ScatterChart,
  ErrorBar,
  LabelList,
  ReferenceArea,
  ReferenceLine,
  ResponsiveContainer,
  Scatter,
  Tooltip,
  XAxis,
  YAxis,
} from 'recharts';
import type { ModelFamily } from '../../models/bundle/types';
import { formatSi, linearAxis, logDomain, logTicks } from './logTicks';
import { METRIC_LABEL, type QualityMetric } from './metric';
import type { BitsValue } from './pareto';
import { axisChartLabel } from './bitsAxis';
import {
  FRONTIER_COLOR,
  LIVE_COLOR,
  PLAYGROUND_COLOR,
  familyLabel,
  type BitsAxis,
  type ChartPoint,
  type ChartSeries,
  type MarkedPoint,
} from './series';
import { PointTooltip } from './PointTooltip';
import { SeriesLegend } from './SeriesLegend';

export interface FamilyChartProps {
  family: ModelFamily;
  series: readonly ChartSeries[];
  frontier: readonly BitsValue[];
  /** Finished live measurements of this family. */
  measured: readonly ChartPoint[];
  /** The point being measured now (its latest partial), when it belongs to this family. */
  live?: ChartPoint;
  /** The points the playground's columns run (its model, this family): ringed, the active column's ring thicker. */
  marks?: readonly MarkedPoint[];
  axis: BitsAxis;
  /** The plotted metric (FD or KID) and its y scale (KID is always linear). */
  metric: QualityMetric;
  yScale: 'linear' | 'log';
  /** The real-data floor of the metric at the points' N: drawn as a band (value ± its error). */
  floor?: { value: number; low: number; high: number; samples: number };
  xDomain: [number, number];
  xTicks: number[];
}

/** One family's bit-level scaling law: FD or KID against bits, a curve per precision, the Pareto frontier as steps, the real-data floor as a band. */
export function FamilyChart({
  family,
  series,
  frontier,
  measured,
  live,
  marks = [],
  axis,
  metric,
  yScale,
  floor,
  xDomain,
  xTicks,
}: FamilyChartProps) {
  const label = METRIC_LABEL[metric];
  const name = familyLabel(family);
  const xLabel = axisChartLabel(axis);
  const pointCount = series.reduce((n, s) => n + s.points.length, 0);
  // Log scale: a domain around the error bars and 1-2-5 ticks (recharts' own log ticks are sparse and uneven).
  const plotted = [...series.flatMap((s) => s.points), ...measured, ...(live ? [live] : [])];
  const floorEnds = floor ? [floor.low, floor.high] : [];
  const logY = logDomain(
    [...plotted.map((p) => p.value - p.stdError), ...plotted.map((p) => p.value + p.stdError), ...floorEnds],
    1.15,
  );
  const linear = linearAxis([
    ...plotted.map((p) => p.value + (Number.isFinite(p.stdError) ? p.stdError : 0)),
    ...floorEnds,
  ]);
  return (
    <figure
      className="scaling-chart"
      data-testid={`scaling-chart-${family}`}
      data-points={pointCount}
      data-metric={metric}
    >
      <h3>{name}</h3>
      <p className="chart-sub">
        {family === 'var'
          ? 'Language-style: next-scale prediction over discrete tokens'
          : 'Diffusion-style: denoising continuous latents'}
      </p>
      <div
        role="img"
        aria-label={`${name}: ${label} against ${xLabel}; ${series.length} curves, ${pointCount} points${floor ? `; real-data floor ${label} ${floor.value.toPrecision(3)}` : ''}`}
      >
        <ResponsiveContainer width="100%" height={320}>
          <ScatterChart margin={{ top: 10, right: 64, bottom: 22, left: 4 }}>
            <CartesianGrid strokeDasharray="3 3" />
            <XAxis
              type="number"
              dataKey="x"
              scale="log"
              domain={xDomain}
              ticks={xTicks}
              allowDataOverflow
              tickFormatter={formatSi}
              label={{ value: xLabel, position: 'insideBottom', offset: -14, fontSize: 12 }}
            />
            <YAxis
              type="number"
              dataKey="value"
              scale={yScale}
              domain={yScale === 'log' ? logY : linear.domain}
              ticks={yScale === 'log' ? logTicks(logY[0], logY[1], 7) : linear.ticks}
              allowDataOverflow
              width={66}
              label={{
                value: yScale === 'log' ? `${label} (lower is better, log)` : `${label} (lower is better)`,
                angle: -90,
                position: 'insideLeft',
                fontSize: 12,
                style: { textAnchor: 'middle' },
              }}
            />
            {floor && (
              // The real-data floor: what N real digits score against the reference, ± its error. No generator can be expected below it.
              <ReferenceArea
                y1={Math.max(floor.low, yScale === 'log' ? logY[0] : linear.domain[0])}
                y2={floor.high}
                fill={FLOOR_COLOR}
                fillOpacity={0.18}
                stroke="none"
                ifOverflow="hidden"
              />
            )}
            {floor && (
              <ReferenceLine
                y={floor.value}
                stroke={FLOOR_COLOR}
                strokeDasharray="2 3"
                ifOverflow="hidden"
                label={{
                  value: `real digits, n = ${floor.samples}`,
                  position: 'insideBottomRight',
                  fontSize: 11,
                  fill: FLOOR_COLOR,
                }}
              />
            )}
            <Tooltip
              content={(props) => <PointTooltip {...props} axis={axis} marks={marks} />}
              isAnimationActive={false}
            />
            {frontier.length > 1 && (
              // A Scatter with a step line and no markers (not a Line): it takes no part in the point tooltips.
              <Scatter
                name="Pareto frontier"
                data={[...frontier]}
                shape={NoMarker}
                line={{ stroke: FRONTIER_COLOR, strokeWidth: 6, strokeOpacity: 0.25, pointerEvents: 'none' }}
                lineJointType="stepAfter"
                legendType="none"
                isAnimationActive={false}
              />
            )}
            {series.map((s) => (
              <Scatter
                key={s.id}
                name={s.name}
                data={[...s.points]}
                fill={s.color}
                shape={s.shape}
                // Curves must not catch the pointer: the markers under them carry the tooltips.
                line={{
                  stroke: s.color,
                  strokeWidth: 1.5,
                  strokeDasharray: s.dashed ? '5 3' : undefined,
                  pointerEvents: 'none',
                }}
                isAnimationActive={false}
              >
                <ErrorBar
                  dataKey="stdError"
                  direction="y"
                  stroke={s.color}
                  strokeOpacity={0.7}
                  width={4}
                  pointerEvents="none"
                  isAnimationActive={false}
                />
              </Scatter>
            ))}
            {measured.length > 0 && (
              <Scatter
                name="Measured here"
                data={[...measured]}
                fill={LIVE_COLOR}
                shape="diamond"
                isAnimationActive={false}
              >
                <ErrorBar dataKey="stdError" direction="y" stroke={LIVE_COLOR} width={4} isAnimationActive={false} />
              </Scatter>
            )}
            {marks.length > 0 && (
              // After the curves: the rings must sit on top of the markers they surround.
              <Scatter
                name="In the playground"
                data={[...marks]}
                fill="none"
                shape={PlaygroundMarker}
                isAnimationActive={false}
              >
                <LabelList
                  dataKey="columnsLabel"
                  // No-break spaces: recharts wraps a label at spaces to the marker's width ("column" over "1").
                  formatter={(label) => String(label).replace(/ /g, '\u00a0')}
                  position="top"
                  offset={14}
                  fill={PLAYGROUND_COLOR}
                  fontSize={11}
                  style={{ paintOrder: 'stroke', stroke: '#fff', strokeWidth: 3, strokeLinejoin: 'round' }}
                />
              </Scatter>
            )}
            {live && (
              <Scatter name="Live point" data={[live]} fill={LIVE_COLOR} shape={LiveMarker} isAnimationActive={false}>
                <ErrorBar
                  dataKey="stdError"
                  direction="y"
                  stroke={LIVE_COLOR}
                  strokeWidth={2}
                  width={6}
                  isAnimationActive={false}
                />
                <LabelList
                  dataKey="samples"
                  position="right"
                  offset={14}
                  formatter={(n) => `n = ${String(n)} samples`}
                  fill={LIVE_COLOR}
                  fontSize={12}
                  fontWeight={700}
                  // A white halo keeps the label readable over curves and markers.
                  style={{ paintOrder: 'stroke', stroke: '#fff', strokeWidth: 4, strokeLinejoin: 'round' }}
                />
              </Scatter>
            )}
          </ScatterChart>
        </ResponsiveContainer>
      </div>
      <SeriesLegend
        series={series}
        showFrontier={frontier.length > 1}
        showMeasured={measured.length > 0}
        showLive={live !== undefined}
        playground={marks.length > 0 ? marks.map((m) => m.columnsLabel).join('; ') : undefined}
      />
    </figure>
  );
}

const FLOOR_COLOR = '#2e7d32';

function NoMarker() {
  return <g />;
}

/** A point the playground runs: a ring around its marker (double for the active column), labelled with the column. */
function PlaygroundMarker(props: unknown) {
  const { cx, cy, payload } = props as { cx?: number; cy?: number; payload?: MarkedPoint };
  if (cx === undefined || cy === undefined) return <g />;
  const active = payload?.active ?? false;
  return (
    <g
      data-testid="playground-mark"
      data-model={payload?.modelId}
      data-setting={payload?.settingText}
      data-active={active ? 'true' : 'false'}
    >
      <circle cx={cx} cy={cy} r={8} fill="none" stroke="#fff" strokeWidth={active ? 5 : 4} />
      <circle cx={cx} cy={cy} r={8} fill="none" stroke={PLAYGROUND_COLOR} strokeWidth={active ? 2.5 : 1.5} />
      {active && <circle cx={cx} cy={cy} r={12} fill="none" stroke={PLAYGROUND_COLOR} strokeWidth={1.5} />}
    </g>
  );
}

/** The live point: a ring around a dot, so it stands out from the sweep's markers while it moves. */
function LiveMarker(props: unknown) {
  const { cx, cy } = props as { cx?: number; cy?: number };
  if (cx === undefined || cy === undefined) return <g />;
  return (
    <g data-testid="live-point">
      <circle cx={cx} cy={cy} r={10} fill="none" stroke="#fff" strokeWidth={6} />
      <circle cx={cx} cy={cy} r={10} fill="none" stroke={LIVE_COLOR} strokeWidth={3} />
      <circle cx={cx} cy={cy} r={4} fill={LIVE_COLOR} />
    </g>
  );
}
