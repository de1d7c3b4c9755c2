/**
 * The typed error of the quality measurement when the request is fine but the engine cannot score samples
 * (no decoder or classifier for the generator). Bad requests reject with the generation service's errors.
 */
import { AppError } from '../../util/errors';

export type QualityErrorCode = 'no-classifier';

export class QualityError extends AppError<QualityErrorCode> {
  override readonly name = 'QualityError';
}
