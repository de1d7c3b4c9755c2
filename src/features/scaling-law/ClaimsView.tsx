import { useMemo } from 'react';
import type { SweepFile } from '../../engine/quality/types';
import { toSweepRow } from '../../engine/quality/sweepRow';
import { judgeClaims, type Verdict } from './claims.mjs';
import type { QualityMetric } from './metric';

const VERDICT_TEXT: Record<Verdict, string> = {
  holds: 'Holds',
  fails: 'Does not hold',
  mixed: 'Mixed',
  partly: 'Partly',
  inconclusive: 'Not distinguishable at this N',
  'not-measured': 'Not measured by this sweep',
};

/**
 * The paper's claims judged on the loaded sweep (claims.mjs, the same code as scripts/sweep-claims.mjs): each
 * claim, its verdict with paired errors, the numbers behind it and what would change it.
 */
export function ClaimsView({ sweep, metric }: { sweep: SweepFile | undefined; metric: QualityMetric }) {
  // claims.mjs judges sweep-file rows (setting text), the form `node scripts/sweep-claims.mjs` reads too.
  const report = useMemo(
    () => (sweep ? judgeClaims({ ...sweep, points: sweep.points.map(toSweepRow) }, metric) : undefined),
    [sweep, metric],
  );
  return (
    <section className="claims" aria-labelledby="claims-title" data-testid="claims-view">
      <h3 id="claims-title">The paper's claims, judged on this sweep</h3>
      {!report ? (
        <p className="muted">No sweep loaded: the claims are judged on the precomputed sweep.</p>
      ) : (
        <>
          <ul className="claims-caveats">
            {report.caveats.map((c) => (
              <li key={c}>{c}</li>
            ))}
          </ul>
          {report.claims.map((c) => (
            <details key={c.id} className={`claim claim-${c.verdict}`} data-testid={`claim-${c.id}`}>
              <summary>
                <strong>{VERDICT_TEXT[c.verdict]}</strong>
                {c.perFamily
                  ? ` (${Object.entries(c.perFamily)
                      .map(([f, v]) => `${f.toUpperCase()}: ${VERDICT_TEXT[v].toLowerCase()}`)
                      .join('; ')})`
                  : ''}{' '}
                — {c.statement}
              </summary>
              {c.evidence.length > 0 ? (
                <ul className="claim-evidence">
                  {c.evidence.map((e) => (
                    <li key={e}>{e}</li>
                  ))}
                </ul>
              ) : (
                <p className="muted">No points of this sweep test it.</p>
              )}
              <p className="muted">
                <strong>What would change it:</strong> {c.wouldChange}
              </p>
            </details>
          ))}
          <p className="muted">
            Differences: {metric.toUpperCase()} a − b ± error; “p” marks a paired error (same draws, jackknife of the
            per-group differences), “~” a difference within 2 errors.
          </p>
        </>
      )}
    </section>
  );
}
