/** Types of claims.mjs (the claim logic shared by the Claims panel and scripts/sweep-claims.mjs). */
export type ClaimMetric = 'fd' | 'kid';
export type Verdict = 'holds' | 'fails' | 'mixed' | 'partly' | 'inconclusive' | 'not-measured';

export interface Difference {
  readonly difference: number;
  readonly stdError: number;
  readonly paired: boolean;
}

/** The fields of a sweep point the claims read (QualityPoint satisfies it). */
export interface ClaimPoint {
  readonly modelId: string;
  readonly family: string;
  readonly depth?: number;
  readonly setting: string;
  readonly method: string;
  readonly weightBits?: number;
  readonly activationBits?: number;
  /** Bits of the whole transformer as stored (the frontier's x); older files only have totalWeightBits. */
  readonly transformerBits?: number;
  readonly totalWeightBits?: number;
  readonly partial?: boolean;
  readonly fd?: number;
  readonly fdStdErr?: number;
  readonly fdLeaveOut?: readonly number[];
  readonly kid?: number;
  readonly kidSe?: number;
  readonly kidLeaveOut?: readonly number[];
  readonly seed?: number;
  readonly samples?: number;
  readonly steps?: number;
  readonly cfg?: number;
  readonly sampler?: string;
}

export interface ClaimSweep {
  readonly formatVersion: number;
  readonly config: { readonly samples: number };
  readonly points: readonly ClaimPoint[];
}

export interface Claim {
  readonly id: 'var-vs-dit' | 'ptq-methods' | 'distillation' | 'step-errors' | 'beyond-the-paper';
  readonly statement: string;
  readonly verdict: Verdict;
  readonly perFamily?: Readonly<Record<string, Verdict>>;
  readonly evidence: readonly string[];
  readonly wouldChange: string;
}

export interface ClaimsReport {
  readonly metric: ClaimMetric;
  readonly caveats: readonly string[];
  readonly claims: readonly Claim[];
}

export const LOW_BIT_SETTINGS: readonly string[];
export const ONE_UP: Readonly<Record<string, string>>;
export function difference(
  a: ClaimPoint | undefined,
  b: ClaimPoint | undefined,
  metric?: ClaimMetric,
): Difference | undefined;
export function significant(d: Difference | undefined): boolean;
export function formatDifference(d: Difference | undefined, metric?: ClaimMetric): string;
export function combine(results: readonly ('holds' | 'fails' | 'partly' | 'inconclusive')[]): Verdict;
export function judgeClaims(sweep: ClaimSweep, metric?: ClaimMetric): ClaimsReport;
