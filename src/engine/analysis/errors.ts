/** The typed error of the analysis methods (a request that cannot be run as asked). */
import { AppError } from '../../util/errors';

export type AnalysisErrorCode = 'argument-invalid' | 'setting-unsupported';

export class AnalysisError extends AppError<AnalysisErrorCode> {
  override readonly name = 'AnalysisError';
}

export function requireAnalysis(ok: boolean, message: string, fix: string): asserts ok {
  if (!ok) throw new AnalysisError('argument-invalid', message, fix);
}
