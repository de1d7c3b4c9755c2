/**
 * The non-matmul GPU ops of the VAR and DiT forward passes. Each class: `encode(encoder, args)` records one
 * compute pass (arguments validated first, KernelInputError on a bad one), `run(args)` encodes, submits and
 * waits, `destroy()` is idempotent. Semantics are documented at the top of each file; the plain TypeScript
 * references live in src/ops.
 */
export { OpKernel, requireNoAliasing, ELEMENTWISE_WORKGROUP_SIZE } from './opKernel';
export { type SampleVectorsArg } from './sampleVectorArgs';
// Transformer block.
export { LayerNormModulateKernel, type LayerNormModulateArgs } from './layerNormModulateKernel';
export { ResidualAddKernel, type ResidualAddArgs } from './residualAddKernel';
export { ActivationKernel, type ActivationArgs } from './activationKernel';
export { VarQkvPrepareKernel, type VarQkvPrepareArgs } from './varQkvPrepareKernel';
export { AttentionKernel, type AttentionArgs } from './attentionKernel';
// Embeddings and DiT reshapes.
export { GatherRowsKernel, type GatherRowsArgs } from './gatherRowsKernel';
export { AddPositionKernel, type AddPositionArgs } from './addPositionKernel';
export { TimestepEmbeddingKernel, type TimestepEmbeddingArgs } from './timestepEmbeddingKernel';
export { PatchifyKernel, UnpatchifyKernel, type PatchArgs } from './patchifyKernels';
// VAR multi-scale VQ.
export { CodebookGatherKernel, type CodebookGatherArgs } from './codebookGatherKernel';
export { BicubicUpsampleKernel, type ResizeArgs } from './bicubicUpsampleKernel';
export { AreaDownsampleKernel, type AreaDownsampleArgs } from './areaDownsampleKernel';
export { PhiConvAccumulateKernel, type PhiConvAccumulateArgs } from './phiConvAccumulateKernel';
export { NearestCodeKernel, type NearestCodeArgs } from './nearestCodeKernel';
// Sampling.
export {
  CfgCombineKernel,
  varLogitsCfgLayout,
  ditEpsCfgLayout,
  type CfgCombineArgs,
  type CfgFormula,
  type CfgRowLayout,
} from './cfgCombineKernel';
export { SampleTokensKernel, type SampleTokensArgs } from './sampleTokensKernel';
export {
  DdpmStepKernel,
  DdimStepKernel,
  ditVarianceSource,
  type DdpmStepArgs,
  type DdimStepArgs,
  type StepSource,
} from './diffusionStepKernels';
