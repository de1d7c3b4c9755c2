/**
 * The engine worker's generation service (listModels, loadModel, generate side by side with per-step errors
 * against fp32). The ONNX-backed heads live in ./onnxHeads (imported by the worker only, so Node tests run
 * without onnxruntime).
 */
export { GenerationService, type GenerationServiceOptions } from './generationService';
export { GenerationError, type GenerationErrorCode } from './errors';
export { BundleStore, type LoadedBundles, type GeneratorBundle } from './bundleStore';
export { LruCache, type Destroyable } from './lruCache';
export { varUniforms, ditNoise, type DitNoise } from './sharedDraws';
export {
  normalisedStep,
  tokenAgreement,
  snappedFeatures,
  guidedEps,
  varStepErrors,
  ditStepErrors,
  type VarStepState,
  type DitStepState,
} from './stepErrors';
export { resolveRequest, type ResolvedRequest } from './generateParams';
export { SideBySide } from './sideBySide';
export { CALIBRATION } from './calibration';
export type { ImageHeads, HeadsFactory, DecodedOutput } from './heads';
export type * from './types';
