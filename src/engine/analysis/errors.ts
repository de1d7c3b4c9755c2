/** The typed error of the analysis methods (a request that cannot be run as asked). */
export type AnalysisErrorCode = 'argument-invalid' | 'setting-unsupported';

export class AnalysisError extends Error {
  override readonly name = 'AnalysisError';
  readonly code: AnalysisErrorCode;
  readonly fix: string;
  constructor(code: AnalysisErrorCode, message: string, fix: string) {
    super(`${message} ${fix}`);
    this.code = code;
    this.fix = fix;
  }
}

export function requireAnalysis(ok: boolean, message: string, fix: string): asserts ok {
  if (!ok) throw new AnalysisError('argument-invalid', message, fix);
}
