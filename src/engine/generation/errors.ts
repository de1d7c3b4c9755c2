/**
 * The typed error of the generation service (what the worker's listModels / loadModel / generate reject with
 * when the request itself is wrong). Bundle, model, GPU and cancellation errors keep their own types and codes.
 */
export type GenerationErrorCode = 'model-not-found' | 'not-a-generator' | 'argument-invalid' | 'setting-unsupported';

export class GenerationError extends Error {
  override readonly name = 'GenerationError';
  readonly code: GenerationErrorCode;
  readonly fix: string;
  constructor(code: GenerationErrorCode, message: string, fix: string) {
    super(`${message} ${fix}`);
    this.code = code;
    this.fix = fix;
  }
}
