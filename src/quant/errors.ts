/**
 * The one error type of the quantization reference. Its message always says where the problem is (row, column,
 * group) and what the caller can do about it, because these errors surface in the playground's UI and in
 * bundle-building scripts where a bare "invalid input" would be useless.
 */
export class QuantizationError extends Error {
  override readonly name = 'QuantizationError';
}
