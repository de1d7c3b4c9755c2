/**
 * The typed error of the quality measurement when the request is fine but the engine cannot score samples
 * (no decoder or classifier for the generator), or the measurement does not apply to the model (FD, KID and
 * accuracy are MNIST measures; a model that names no classifier, e.g. an official ImageNet one, has none).
 * Bad requests reject with the generation service's errors.
 */
import { AppError } from '../../util/errors';

export type QualityErrorCode = 'no-classifier' | 'not-applicable';

export class QualityError extends AppError<QualityErrorCode> {
  override readonly name = 'QualityError';
}
