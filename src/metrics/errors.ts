/**
 * The one error type of the image metrics. Metrics are fed by the UI as samples accumulate, so a bad call must
 * say what was wrong and what to do (`fix`), like the GPU and model errors.
 */
import { AppError } from '../util/errors';

export type MetricsErrorCode = 'shape-mismatch' | 'too-few-samples' | 'not-positive-semidefinite' | 'argument-invalid';

export class MetricsError extends AppError<MetricsErrorCode> {
  override readonly name = 'MetricsError';
}

export function requireShape(condition: boolean, what: string, expected: string, found: string): asserts condition {
  if (!condition) {
    throw new MetricsError(
      'shape-mismatch',
      `${what}: expected ${expected}, found ${found}.`,
      'Pass arrays of matching sizes (row-major, one row per sample).',
    );
  }
}
