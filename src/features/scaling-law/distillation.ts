/**
 * Issue 6's question: does distillation into the quantised model (QAT with task loss, forward KL, reverse KL,
 * TopKLD; DiT: task loss, MSE) move the k-bit point to where RTN is at k+1 bits? For every trained setting
 * this pairs each method's FD with RTN at the same bits and RTN at the next precision up on the same model size.
 */
import type { ModelFamily } from '../../models/bundle/types';
import type { QualityPoint } from '../../engine/quality/types';
import { fdDifference, type FdDifference } from './fdDifference';
import { isTrainedMethod, methodLabel, precisionOf } from './precision';

export interface DistilledMethod {
  readonly method: string;
  readonly label: string;
  readonly point: QualityPoint;
  /**
   * Share of the RTN gap between k and k+1 bits that the method closes: 0 = no better than RTN at k bits,
   * 1 = as good as RTN with one more bit, > 1 = better. Undefined without both RTN points or with no gap.
   */
  readonly gapClosed?: number;
  /**
   * FD of the method minus RTN's at k bits, with its standard error: paired when both points share their
   * random draws (fdDifference.ts), else the independent sqrt(se² + se_rtn²). Undefined without RTN at k bits.
   */
  readonly vsRtn?: FdDifference;
  /** Whether that difference exceeds two of its standard errors; false: within the noise of these samples. */
  readonly beyondNoise?: boolean;
}

export interface DistillationGroup {
  readonly id: string;
  readonly family: ModelFamily;
  readonly depth: number;
  /** Precision the methods were trained at, e.g. "W3". */
  readonly precision: string;
  readonly weightBits: number;
  readonly rtnSame?: QualityPoint;
  readonly rtnNext?: QualityPoint;
  /** Precision label of rtnNext ("W4"); oneMoreBit is false when the next swept precision is further up. */
  readonly nextPrecision?: string;
  readonly oneMoreBit: boolean;
  readonly methods: readonly DistilledMethod[];
}

// Task loss first, then the distillation losses, TopKLD (the paper's) last so it sits next to RTN k+1.
const METHOD_ORDER = ['qat-task', 'qat-mse', 'qat-fkl', 'qat-rkl', 'qat-topkld'];
const methodRank = (m: string) => {
  const i = METHOD_ORDER.indexOf(m);
  return i < 0 ? METHOD_ORDER.length - 0.5 : i;
};

export function distillationGroups(points: readonly QualityPoint[]): DistillationGroup[] {
  const complete = points.filter((p) => !p.partial && Number.isFinite(p.fd));
  const rtn = complete.filter((p) => p.method === 'rtn');
  const groups = new Map<string, { sample: QualityPoint; methods: Map<string, QualityPoint> }>();
  for (const p of complete) {
    if (!isTrainedMethod(p.method)) continue;
    const prec = precisionOf(p);
    const id = `${p.family}|${p.depth}|${prec.label}|${prec.variant}`;
    let group = groups.get(id);
    if (!group) groups.set(id, (group = { sample: p, methods: new Map() }));
    const kept = group.methods.get(p.method);
    if (!kept || p.samples > kept.samples) group.methods.set(p.method, p);
  }

  const result: DistillationGroup[] = [];
  for (const [id, { sample, methods }] of groups) {
    const prec = precisionOf(sample);
    // The same model size with the same storage variant, activation part and number format: only the bits differ.
    const comparable = rtn.filter((p) => {
      if (p.family !== sample.family || p.depth !== sample.depth) return false;
      const q = precisionOf(p);
      return q.variant === prec.variant && q.activation === prec.activation && q.weightKind === prec.weightKind;
    });
    const rtnSame = mostSamples(comparable.filter((p) => p.weightBits === sample.weightBits));
    const higher = comparable.filter((p) => p.weightBits > sample.weightBits);
    const nextBits = Math.min(...higher.map((p) => p.weightBits));
    const rtnNext = mostSamples(higher.filter((p) => p.weightBits === nextBits));
    const distilled = [...methods.values()]
      .sort((a, b) => methodRank(a.method) - methodRank(b.method) || a.method.localeCompare(b.method))
      .map((point) => {
        const vsRtn = rtnSame ? fdDifference(point, rtnSame) : undefined;
        return {
          method: point.method,
          label: methodLabel(point.method),
          point,
          gapClosed: gapClosed(point, rtnSame, rtnNext),
          vsRtn,
          beyondNoise: vsRtn ? Math.abs(vsRtn.difference) > 2 * vsRtn.stdError : undefined,
        };
      });
    result.push({
      id,
      family: sample.family,
      depth: sample.depth,
      precision: prec.label,
      weightBits: sample.weightBits,
      rtnSame,
      rtnNext,
      nextPrecision: rtnNext ? precisionOf(rtnNext).label : undefined,
      oneMoreBit: rtnNext !== undefined && rtnNext.weightBits === sample.weightBits + 1,
      methods: distilled,
    });
  }
  return result.sort(
    (a, b) => familyOrder(a.family) - familyOrder(b.family) || a.depth - b.depth || a.weightBits - b.weightBits,
  );
}

// VAR first, as everywhere in the app.
const familyOrder = (f: ModelFamily) => (f === 'var' ? 0 : 1);

function gapClosed(point: QualityPoint, same?: QualityPoint, next?: QualityPoint): number | undefined {
  if (!same || !next) return undefined;
  const gap = same.fd - next.fd;
  // No gap to close (RTN at k bits already as good as at k+1): the ratio would be noise.
  if (!(gap > 0)) return undefined;
  return (same.fd - point.fd) / gap;
}

function mostSamples(points: readonly QualityPoint[]): QualityPoint | undefined {
  return points.reduce<QualityPoint | undefined>(
    (best, p) => (!best || p.samples > best.samples ? p : best),
    undefined,
  );
}
