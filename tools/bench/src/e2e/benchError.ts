/** The end-to-end bench's typed error: what went wrong and what to do about it, with a stable code. */
export type BenchErrorCode =
  'setting-unsupported' | 'output-mismatch' | 'output-invalid' | 'graph-missing' | 'cache-state';

export class BenchError extends Error {
  override readonly name = 'BenchError';

  constructor(
    readonly code: BenchErrorCode,
    message: string,
    readonly fix: string,
  ) {
    super(message);
  }
}
