import { Bar, BarChart, CartesianGrid, ReferenceLine, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';

/** The first group's weights as a histogram, with the values its codes can decode to drawn over it. */
export function WeightHistogram({ edges, counts, grid }: { edges: number[]; counts: number[]; grid: number[] }) {
  const data = counts.map((count, i) => ({ x: (edges[i]! + edges[i + 1]!) / 2, count }));
  const lines = grid.length <= 64 ? grid : [];
  return (
    <figure className="chart">
      <ResponsiveContainer width="100%" height={220}>
        <BarChart data={data} margin={{ top: 8, right: 16, bottom: 8, left: 0 }} barCategoryGap={0}>
          <CartesianGrid strokeDasharray="3 3" vertical={false} />
          <XAxis dataKey="x" type="number" domain={['dataMin', 'dataMax']} tickFormatter={(v: number) => v.toFixed(2)} />
          <YAxis allowDecimals={false} width={40} />
          <Tooltip formatter={(v) => [v, 'weights']} labelFormatter={(v) => `w ≈ ${Number(v).toFixed(3)}`} />
          <Bar dataKey="count" fill="#7aa6d8" isAnimationActive={false} />
          {lines.map((g) => (
            <ReferenceLine key={g} x={g} stroke="#d0573b" strokeWidth={1} ifOverflow="extendDomain" />
          ))}
        </BarChart>
      </ResponsiveContainer>
      <figcaption>
        Bars: the first group's weights. Red lines: the {grid.length} values its codes decode to
        {lines.length === 0 ? ' (too many to draw)' : ''}. Weights snap to the nearest line.
      </figcaption>
    </figure>
  );
}
