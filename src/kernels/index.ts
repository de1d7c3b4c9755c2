export { KernelInputError } from './errors';
export { GpuPackedWeight } from './gpuPackedWeight';
export { DequantKernel, type DequantArgs } from './dequantKernel';
export {
  QuantMatmulKernel,
  matmulInputBytes,
  type QuantMatmulArgs,
  type MatmulInputFormat,
  type MatmulVariant,
} from './quantMatmulKernel';
export { MatmulF32Kernel, denseWeightBytes, type MatmulF32Args, type DenseWeightFormat } from './matmulF32Kernel';
export { ActivationQuantKernel, type ActivationQuantArgs, type ActivationQuantVariant } from './activationQuantKernel';
export { HadamardKernel, type HadamardArgs } from './hadamardKernel';
export { type BufferSlice } from './bufferArgs';
export { GEMV_TILING, GEMV_ROWS_TILING, GEMV_SUBGROUP_TILING, chooseGemmTiling, type GemmTiling } from './tiling';
export {
  MATMUL_VARIANTS,
  CPU_GEMM_ROWS_MAX_M,
  CPU_GEMM_BLOCK_MIN_M,
  adapterProfile,
  chooseMatmulPath,
  gemvVariantFor,
  type AdapterProfile,
  type GemvVariant,
  type MatmulChoice,
  type MatmulPath,
} from './matmulPlan';
export {
  Dot4MatmulKernel,
  DOT4_LANGUAGE_FEATURE,
  quantizedInputBytes,
  defaultWgslLanguageFeatures,
  type Dot4MatmulArgs,
} from './dot4MatmulKernel';
export { LowRankAddKernel, type LowRankAddArgs } from './lowRankAddKernel';
