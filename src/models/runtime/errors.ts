/**
 * The one error type of the model engine (loading a bundle, building a forward pass, sampling). Like the GPU and
 * kernel errors, its message says what is wrong and `fix` says what to do, because these surface in the UI.
 */
import { AppError } from '../../util/errors';

export type ModelErrorCode =
  | 'bundle-invalid'
  | 'tensor-missing'
  | 'tensor-shape'
  | 'setting-unsupported'
  | 'calibration-missing'
  | 'model-destroyed'
  | 'argument-invalid'
  | 'memory-over-budget'
  | 'tensor-too-large';

export class ModelError extends AppError<ModelErrorCode> {
  override readonly name = 'ModelError';
}

export function requireLiveModel(owner: string, destroyed: boolean): void {
  if (destroyed)
    throw new ModelError('model-destroyed', `${owner} was destroyed.`, 'Load the model again before running it.');
}

export function requireArgument(condition: boolean, owner: string, problem: string, fix: string): asserts condition {
  if (!condition) throw new ModelError('argument-invalid', `${owner}: ${problem}.`, fix);
}
