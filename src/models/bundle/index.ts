/** Model bundles (docs/bundle-format.md): types, safetensors reader, sources and the load-time validator. */
export * from './types.ts';
export { BundleError, type BundleErrorCode } from './errors.ts';
export {
  parseSafetensors,
  tensorF16Bits,
  tensorF32,
  tensorF64,
  tensorI32,
  tensorAsF32,
  f16ArrayToF32,
  elementCount,
  DTYPE_BYTES,
  type SafetensorsFile,
  type SafetensorsTensor,
} from './safetensors.ts';
export { FetchBundleSource, missingFileError, type BundleSource } from './source.ts';
export { checkIndex, validateIndex, INDEX_FILE } from './bundleIndex.ts';
export { checkQuantTraining, type QuantTraining } from './quantTraining.ts';
export { checkSensitivity, type SensitivityTable, type LayerSensitivityEntry } from './sensitivity.ts';
export {
  validateBundle,
  validateAllBundles,
  manifestPath,
  type ValidatedBundle,
  type BundleResult,
} from './validate.ts';
export {
  expectedVarTensors,
  expectedDitTensors,
  expectedVqvaeTensors,
  type ExpectedTensor,
} from './expectedTensors.ts';
export { phiIndexPerScale, phiTicks, numpyLinspace } from './phi.ts';
export { sha256Hex, type ChecksumStatus } from './fileChecks.ts';
