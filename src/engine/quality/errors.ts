/**
 * The typed error of the quality measurement when the request is fine but the engine cannot score samples
 * (no decoder or classifier for the generator). Bad requests reject with the generation service's errors.
 */
export type QualityErrorCode = 'no-classifier';

export class QualityError extends Error {
  override readonly name = 'QualityError';
  readonly code: QualityErrorCode;
  readonly fix: string;
  constructor(code: QualityErrorCode, message: string, fix: string) {
    super(`${message} ${fix}`);
    this.code = code;
    this.fix = fix;
  }
}
