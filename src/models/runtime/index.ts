/**
 * The model engine's runtime: weights of a bundle on the GPU for one QuantSetting (GpuModelWeights, GpuLinear:
 * packed low-bit weights through QuantMatmulKernel, or f32 through MatmulF32Kernel, activation fake-quant per
 * the setting), the kernels of a device (KernelSet), scratch (Workspace), activation calibration, our PRNG and
 * the typed error. Families: ../var (VarModel, VarTokenizer, VarSampler, varTeacherForcedLogits) and ../dit
 * (DitModel, DitSampler, ditForwardOnce).
 */
export { ModelError, type ModelErrorCode } from './errors';
export { KernelSet } from './kernelSet';
export { GpuModelWeights, type WeightReport, type LinearReport, type LoadWeightsOptions } from './modelWeights';
export { GpuLinear } from './gpuLinear';
export { Workspace } from './workspace';
export { activationQuantized, weightQuantized, type LinearSpec } from './layers';
export {
  ActivationRecorder,
  calibrateActivationScales,
  calibrateLinearInputs,
  type LinearInputStats,
} from './linearInputs';
export {
  prepareMethodWeights,
  requireMethodSupported,
  requireTransformsSupported,
  methodLinears,
  type PreparedLinear,
  type MethodHooks,
} from './methodWeights';
export { Pcg32 } from './prng';
export { readF32, readU32 } from '../../gpu/buffers';
export {
  planVarMemory,
  planDitMemory,
  requireMemoryFits,
  memoryProblem,
  defaultMemoryBudget,
  lowerBitSettings,
  type MemoryPlan,
  type MemoryLimits,
  type PlanOptions,
} from './memoryPlan';
