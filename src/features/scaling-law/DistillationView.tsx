import {
  Bar,
  BarChart,
  CartesianGrid,
  Cell,
  ErrorBar,
  ReferenceLine,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from 'recharts';
import type { QualityPoint } from '../../engine/quality/types';
import { distillationGroups, type DistillationGroup } from './distillation';
import { linearAxis } from './logTicks';
import { familyLabel } from './series';

const RTN_SAME = '#d55e00';
const RTN_NEXT = '#009e73';
const METHOD_COLOR = '#0072b2';
const TOPKLD_COLOR = '#7b3fb8';

/** Issue 6: per trained setting, each QAT/distillation method's FD between RTN at k bits and RTN at k+1 bits. */
export function DistillationView({ points }: { points: readonly QualityPoint[] }) {
  const groups = distillationGroups(points);
  return (
    <section className="distill" aria-labelledby="distill-title">
      <h3 id="distill-title">Does distillation buy one bit?</h3>
      <p className="explain">
        For each model trained at low bits (quantisation-aware training, with the task loss or by distilling the
        full-precision teacher), the bars give FD per training method. The orange line is plain rounding (RTN) at the
        same bits, the green line RTN with one more bit: a bar that reaches the green line means the method moved the
        k-bit model to the (k+1)-bit curve, the paper's claim for TopKLD.
      </p>
      {groups.length === 0 ? (
        <p className="muted">The sweep has no quantisation-aware-trained (qat-…) points yet.</p>
      ) : (
        <div className="distill-grid">
          {groups.map((g) => (
            <DistillationChart key={g.id} group={g} />
          ))}
        </div>
      )}
    </section>
  );
}

interface Row {
  name: string;
  fd: number;
  fdStdErr: number;
  samples: number;
  color: string;
}

function DistillationChart({ group }: { group: DistillationGroup }) {
  const title = `${familyLabel(group.family)} d${group.depth} at ${group.precision}`;
  const rows: Row[] = [];
  if (group.rtnSame) rows.push(row(`RTN ${group.precision}`, group.rtnSame, RTN_SAME));
  for (const m of group.methods)
    rows.push(row(m.label, m.point, m.method === 'qat-topkld' ? TOPKLD_COLOR : METHOD_COLOR));
  if (group.rtnNext)
    rows.push(row(`RTN ${group.nextPrecision}${group.oneMoreBit ? ' (one more bit)' : ''}`, group.rtnNext, RTN_NEXT));
  // From 0: a whisker that would reach below 0 is clipped there (an FD is never negative).
  const fdAxis = linearAxis(rows.map((r) => r.fd + r.fdStdErr));
  const nextLabel = group.oneMoreBit
    ? 'RTN with one more bit'
    : `RTN at ${group.nextPrecision ?? 'the next precision'}`;
  return (
    <figure className="scaling-chart" data-testid="distillation-chart">
      <h3>{title}</h3>
      <div role="img" aria-label={`${title}: FD of ${group.methods.length} training methods against RTN`}>
        <ResponsiveContainer width="100%" height={56 + rows.length * 30}>
          <BarChart data={rows} layout="vertical" margin={{ top: 6, right: 24, bottom: 16, left: 8 }}>
            <CartesianGrid strokeDasharray="3 3" horizontal={false} />
            <XAxis
              type="number"
              domain={fdAxis.domain}
              ticks={fdAxis.ticks}
              allowDataOverflow
              label={{ value: 'FD (lower is better)', position: 'insideBottom', offset: -10, fontSize: 12 }}
            />
            <YAxis type="category" dataKey="name" width={190} tick={{ fontSize: 12 }} />
            <Tooltip
              formatter={(v, _n, item) => [
                `${Number(v).toFixed(1)} ± ${(item.payload as Row).fdStdErr.toFixed(1)} (n = ${(item.payload as Row).samples})`,
                'FD',
              ]}
              isAnimationActive={false}
            />
            {group.rtnSame && (
              <ReferenceLine x={group.rtnSame.fd} stroke={RTN_SAME} strokeDasharray="4 3" strokeWidth={2} />
            )}
            {group.rtnNext && (
              <ReferenceLine x={group.rtnNext.fd} stroke={RTN_NEXT} strokeDasharray="4 3" strokeWidth={2} />
            )}
            <Bar dataKey="fd" isAnimationActive={false} barSize={16}>
              {rows.map((r) => (
                <Cell key={r.name} fill={r.color} />
              ))}
              <ErrorBar dataKey="fdStdErr" direction="x" stroke="#1d2330" width={4} isAnimationActive={false} />
            </Bar>
          </BarChart>
        </ResponsiveContainer>
      </div>
      <table>
        <caption className="muted" style={{ textAlign: 'left' }}>
          Share of the gap between RTN {group.precision} and {nextLabel} that each method closes (100 % = one bit
          gained). "vs RTN": FD minus RTN {group.precision}'s, ± the standard error of that difference (paired: both
          measured on the same random draws, so their shared noise cancels); "within noise": less than two of those
          standard errors.
        </caption>
        <thead>
          <tr>
            <th scope="col">Method</th>
            <th scope="col">FD</th>
            <th scope="col">vs RTN</th>
            <th scope="col">Gap closed</th>
          </tr>
        </thead>
        <tbody>
          {group.methods.map((m) => (
            <tr key={m.method}>
              <td>{m.label}</td>
              <td>
                {m.point.fd.toFixed(1)} ± {m.point.fdStdErr.toFixed(1)}
              </td>
              <td>
                {m.vsRtn === undefined
                  ? 'n/a'
                  : `${m.vsRtn.difference >= 0 ? '+' : ''}${m.vsRtn.difference.toFixed(1)} ± ${m.vsRtn.stdError.toFixed(1)}${m.vsRtn.paired ? ' (paired)' : ''}`}
              </td>
              <td>
                {m.gapClosed === undefined ? 'n/a' : `${Math.round(100 * m.gapClosed)} %`}
                {m.beyondNoise === false && <span className="muted"> (within noise)</span>}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </figure>
  );
}

function row(name: string, p: QualityPoint, color: string): Row {
  return { name, fd: p.fd, fdStdErr: p.fdStdErr, samples: p.samples, color };
}
