/** Types of engineAgreement.mjs (the two-engine agreement check shared by tools/sweep/merge.mjs and the tests). */
export declare const AGREEMENT_SIGMAS: number;
export declare const MIN_PAIRS: number;

/** The fields of a sweep row the check reads (SweepRow satisfies it). */
export interface AgreementPoint {
  readonly modelId: string;
  readonly family: string;
  readonly setting: string;
  readonly method: string;
  readonly samples: number;
  readonly cfg: number;
  readonly steps?: number;
  readonly sampler?: string;
  readonly engine?: string;
  readonly partial?: boolean;
  readonly fd: number;
  readonly fdStdErr: number;
  readonly kid?: number;
  readonly kidSe?: number;
}

export interface MetricComparison {
  readonly metric: 'fd' | 'kid';
  readonly webgpu: number;
  readonly pytorch: number;
  readonly difference: number;
  /** sqrt(se_w^2 + se_p^2): the engines share no draws. */
  readonly stdError: number;
  /** |difference| / stdError. */
  readonly z: number;
  readonly agrees: boolean;
}

export interface EnginePair {
  readonly key: string;
  readonly modelId: string;
  readonly setting: string;
  readonly method: string;
  readonly samples: number;
  readonly metrics: readonly MetricComparison[];
  readonly agrees: boolean;
}

export interface AgreementResult {
  readonly pairs: readonly EnginePair[];
  readonly ok: boolean;
  readonly problems: readonly string[];
}

export declare function agreementKey(p: AgreementPoint): string;
export declare function checkEngineAgreement(
  sweep: { readonly points: readonly AgreementPoint[] },
  options?: { sigmas?: number; minPairs?: number },
): AgreementResult;
export declare function compareMetric(
  a: AgreementPoint,
  b: AgreementPoint,
  fields: { metric: 'fd' | 'kid'; value: 'fd' | 'kid'; se: 'fdStdErr' | 'kidSe' },
  sigmas?: number,
): MetricComparison;
