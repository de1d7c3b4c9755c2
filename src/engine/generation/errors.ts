/**
 * The typed error of the generation service (what the worker's listModels / loadModel / generate reject with
 * when the request itself is wrong). Bundle, model, GPU and cancellation errors keep their own types and codes.
 */
import { AppError } from '../../util/errors';

export type GenerationErrorCode = 'model-not-found' | 'not-a-generator' | 'argument-invalid' | 'setting-unsupported';

export class GenerationError extends AppError<GenerationErrorCode> {
  override readonly name = 'GenerationError';
}
