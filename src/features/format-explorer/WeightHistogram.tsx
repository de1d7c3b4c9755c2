import type { ReactNode } from 'react';
import { Bar, BarChart, CartesianGrid, ReferenceLine, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';

interface WeightHistogramProps {
  edges: readonly number[];
  counts: readonly number[];
  /** Values the codes decode to, drawn as lines over the bars (up to 64 of them). */
  grid: readonly number[];
  /** What the bars are (default: the format explorer's first group). */
  caption?: ReactNode;
  /** Tooltip label of a bar's centre (default "w"). */
  valueName?: string;
}

/** Weights as a histogram, with the values their codes can decode to drawn over it (format explorer, analysis panel). */
export function WeightHistogram({ edges, counts, grid, caption, valueName = 'w' }: WeightHistogramProps) {
  const data = counts.map((count, i) => ({ x: (edges[i]! + edges[i + 1]!) / 2, count }));
  const lines = grid.length <= 64 ? grid : [];
  return (
    <figure className="chart">
      <ResponsiveContainer width="100%" height={220}>
        <BarChart data={data} margin={{ top: 8, right: 16, bottom: 8, left: 0 }} barCategoryGap={0}>
          <CartesianGrid strokeDasharray="3 3" vertical={false} />
          <XAxis
            dataKey="x"
            type="number"
            domain={['dataMin', 'dataMax']}
            tickFormatter={(v: number) => v.toFixed(2)}
          />
          <YAxis allowDecimals={false} width={52} />
          <Tooltip formatter={(v) => [v, 'weights']} labelFormatter={(v) => `${valueName} ≈ ${Number(v).toFixed(3)}`} />
          <Bar dataKey="count" fill="#7aa6d8" isAnimationActive={false} />
          {lines.map((g) => (
            <ReferenceLine key={g} x={g} stroke="#d0573b" strokeWidth={1} ifOverflow="extendDomain" />
          ))}
        </BarChart>
      </ResponsiveContainer>
      <figcaption>
        {caption ?? "Bars: the first group's weights."} Red lines: the {grid.length} values its codes decode to
        {lines.length === 0 ? ' (too many to draw)' : ''}. Weights snap to the nearest line.
      </figcaption>
    </figure>
  );
}
