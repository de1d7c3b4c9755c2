import { Symbols } from 'recharts';
import { FRONTIER_COLOR, LIVE_COLOR, PLAYGROUND_COLOR, type ChartSeries } from './series';

/**
 * The legend as HTML next to the chart (not recharts' own): it wraps, it can be read by screen readers, and
 * the PNG export draws the same entries (legendEntries) under the image.
 */
export function SeriesLegend({
  series,
  showFrontier,
  showMeasured,
  showLive,
  playground,
}: {
  series: readonly ChartSeries[];
  showFrontier: boolean;
  showMeasured: boolean;
  showLive: boolean;
  /** The columns ringed on this chart ("column 1; column 2"), when the playground's model is of this family. */
  playground?: string;
}) {
  return (
    <ul className="scaling-legend" aria-label="Legend">
      {series.map((s) => (
        <li key={s.id}>
          <Swatch color={s.color} shape={s.shape} dashed={s.dashed} />
          {s.name}
        </li>
      ))}
      {showFrontier && (
        <li>
          <svg width={22} height={12} aria-hidden>
            <path d="M1 3 H10 V9 H21" stroke={FRONTIER_COLOR} strokeOpacity={0.4} strokeWidth={5} fill="none" />
          </svg>
          Pareto frontier
        </li>
      )}
      {showMeasured && (
        <li>
          <Swatch color={LIVE_COLOR} shape="diamond" dashed={false} line={false} />
          Measured here
        </li>
      )}
      {showLive && (
        <li>
          <svg width={22} height={14} aria-hidden>
            <circle cx={11} cy={7} r={5.5} fill="none" stroke={LIVE_COLOR} strokeWidth={2} />
            <circle cx={11} cy={7} r={2} fill={LIVE_COLOR} />
          </svg>
          Live point
        </li>
      )}
      {playground && (
        <li>
          <svg width={22} height={14} aria-hidden>
            <circle cx={11} cy={7} r={5.5} fill="none" stroke={PLAYGROUND_COLOR} strokeWidth={1.5} />
          </svg>
          In the playground ({playground})
        </li>
      )}
    </ul>
  );
}

function Swatch({
  color,
  shape,
  dashed,
  line = true,
}: {
  color: string;
  shape: ChartSeries['shape'];
  dashed: boolean;
  line?: boolean;
}) {
  return (
    <svg width={22} height={14} aria-hidden>
      {line && (
        <line
          x1={0}
          x2={22}
          y1={7}
          y2={7}
          stroke={color}
          strokeWidth={1.5}
          strokeDasharray={dashed ? '4 2' : undefined}
        />
      )}
      <Symbols cx={11} cy={7} type={shape} size={48} fill={color} />
    </svg>
  );
}
