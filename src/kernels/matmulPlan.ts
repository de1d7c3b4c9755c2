/**
 * Which matmul kernel variant runs, chosen from the adapter and the shape. One place for the rule, so the quantized
 * and the f32 kernels (and the bench, which records the choice) agree.
 *
 * Every path is one shader body (shaders/, assembled by src/kernels/shaderSource.ts) for packed and dense weights:
 *   - 'gemv-rows'      one invocation per output, no workgroup memory, no barrier (gemv_rows.wgsl). For CPU
 *                      adapters (SwiftShader): there invocations are SIMD lanes of fibres and a barrier switches
 *                      every fibre of the workgroup, which cost more than the math.
 *   - 'gemv-subgroup'  split-K over a workgroup, subgroupAdd + one barrier (gemv_subgroup.wgsl). GPUs with the
 *                      'subgroups' feature.
 *   - 'gemv-splitk'    split-K with a workgroup-memory tree reduction (gemv_splitk.wgsl). GPUs without
 *                      subgroups: the fallback of 'gemv-subgroup'.
 *   - 'gemm-rows'      one output column x 4 or 8 tokens per invocation, register-blocked, no workgroup memory and
 *                      no barrier (gemm_rows.wgsl). CPU adapters, 2 <= m <= CPU_GEMM_ROWS_MAX_M.
 *   - 'gemm-block'     8 output columns x 8 tokens per invocation, register-blocked, no workgroup memory and no
 *                      barrier (gemm_block.wgsl). CPU adapters, m >= CPU_GEMM_BLOCK_MIN_M, weights whose quads of
 *                      codes decode from one word (INT 2, 4 and 8 bits) and dense weights.
 *   - 'gemm'           tiled GEMM (common/tiled_gemm.wgsl), W tiles loaded (dequantised) into workgroup memory
 *                      once per tile of tokens.
 *
 * 'auto' picks a GEMV for m <= gemvMaxM (1 on a GPU; a few tokens on a CPU adapter, where the barrier-free GEMV
 * beats the tiled GEMM), else 'gemm'; 'gemv' picks the adapter's GEMV variant.
 */
export type GemvVariant = 'gemv-rows' | 'gemv-subgroup' | 'gemv-splitk';
export type MatmulPath = GemvVariant | 'gemm-rows' | 'gemm-block' | 'gemm';
export type MatmulVariant = 'auto' | 'gemv' | MatmulPath;

export const MATMUL_VARIANTS: readonly MatmulVariant[] = [
  'auto',
  'gemv',
  'gemm',
  'gemm-rows',
  'gemm-block',
  'gemv-rows',
  'gemv-subgroup',
  'gemv-splitk',
];

export interface AdapterProfile {
  /** 'cpu' for a software adapter (SwiftShader, or any fallback adapter), else 'gpu'. */
  readonly kind: 'cpu' | 'gpu';
  readonly subgroups: boolean;
  readonly shaderF16: boolean;
  /** Why `kind` is what it is (adapter facts), for logs and bench JSON. */
  readonly basis: string;
}

interface AdapterInfoLike {
  readonly vendor?: string;
  readonly architecture?: string;
  readonly description?: string;
  readonly isFallbackAdapter?: boolean;
  readonly type?: string;
}

/** The profile of the adapter behind `device` (GPUDevice.adapterInfo; Chromium and Dawn for Node have it). */
export function adapterProfile(device: GPUDevice): AdapterProfile {
  const info = (device as { adapterInfo?: AdapterInfoLike }).adapterInfo;
  const facts = info
    ? `vendor '${info.vendor ?? ''}', architecture '${info.architecture ?? ''}', isFallbackAdapter ${String(info.isFallbackAdapter ?? 'unknown')}${info.type ? `, type ${info.type}` : ''}`
    : 'no GPUDevice.adapterInfo';
  const cpu =
    info !== undefined &&
    (info.isFallbackAdapter === true ||
      /swiftshader/i.test(`${info.architecture ?? ''} ${info.description ?? ''}`) ||
      info.type === 'CPU');
  return {
    kind: cpu ? 'cpu' : 'gpu',
    subgroups: device.features.has('subgroups'),
    shaderF16: device.features.has('shader-f16'),
    basis: facts,
  };
}

/** Largest m that 'auto' sends to a GEMV on this adapter. */
export function gemvMaxM(profile: AdapterProfile): number {
  return profile.kind === 'cpu' ? CPU_GEMV_MAX_M : 1;
}

/**
 * On SwiftShader the barrier-free GEMV costs one GEMV per token. Measured against the small-tile GEMM (Dawn for
 * Node, SwiftShader, int4 g128, K = N = 1024, 2 cores at load 5-7, medians): m = 2: 33 vs 111 ms; m = 4: 43 vs
 * 81 ms; m = 8: 99 vs 107 ms; m = 16: 203 vs 95 ms. Up to 4 tokens the GEMV wins clearly.
 */
export const CPU_GEMV_MAX_M = 4;

/**
 * Largest m that 'auto' sends to the barrier-free 'gemm-rows' on a CPU adapter (m = 2 upwards; m = 1 stays on
 * 'gemv-rows') for weights 'gemm-block' does not take. Measured on SwiftShader (Dawn for Node,
 * test/bench/modelShapeKernels.test.ts, 2 cores at load 5-8, noisy): at the generators' shapes (m 2-32, K, N <= 512)
 * it beat the tiled GEMM for f32 and W4 (0.2-0.8x the time); at m = 64, K = N = 1024 the tiled GEMM was faster
 * (W4: 415 vs 759 ms), so larger m keep the tiled GEMM.
 */
export const CPU_GEMM_ROWS_MAX_M = 32;

/**
 * Smallest m that 'auto' sends to 'gemm-block' (8 columns x 8 tokens per invocation) on a CPU adapter, for INT
 * 2/4/8-bit and dense weights, at every larger m. Measured on SwiftShader (Dawn for Node, same test, 2 cores at load
 * 8-11, noisy): with 18 and 32 tokens (K, N <= 512) it took 0.2-0.7x the time of 'gemm-rows' for f32 and W4g32
 * alike, except K = 64, N = 192 (level); with 8 tokens 'gemm-rows' was faster; at m = 64, K = N = 1024 it took
 * about half the tiled GEMM's time (tools/bench/README.md).
 */
export const CPU_GEMM_BLOCK_MIN_M = 9;

/**
 * Whether a weight suits 'gemm-block': its quads of codes decode from one word by vector shifts (INT 2, 4 and 8
 * bits) or it is dense. FP formats decode code by code and 3/5/6/7-bit codes straddle words: they keep the tiled
 * GEMM, which decodes each code once per tile of 64 tokens (and SwiftShader compiles four inlined code-by-code
 * decodes per loop iteration slowly).
 */
export interface WeightTraits {
  readonly quadDecode: boolean;
}

export const DENSE_WEIGHT: WeightTraits = { quadDecode: true };

/** The GEMV variant for this adapter. */
export function gemvVariantFor(profile: AdapterProfile): GemvVariant {
  if (profile.kind === 'cpu') return 'gemv-rows';
  return profile.subgroups ? 'gemv-subgroup' : 'gemv-splitk';
}

export interface MatmulChoice {
  readonly path: MatmulPath;
  readonly reason: string;
}

/** Resolves a requested variant to the path that runs, with the reason. */
export function chooseMatmulPath(
  profile: AdapterProfile,
  m: number,
  variant: MatmulVariant,
  weight: WeightTraits = DENSE_WEIGHT,
): MatmulChoice {
  if (variant !== 'auto' && variant !== 'gemv') return { path: variant, reason: 'forced by the caller' };
  if (variant === 'auto' && profile.kind === 'cpu' && m >= CPU_GEMM_BLOCK_MIN_M && weight.quadDecode) {
    return {
      path: 'gemm-block',
      reason: `m = ${m} on a ${profile.kind} adapter (${profile.basis}): 8 columns x 8 tokens per invocation, no barriers`,
    };
  }
  if (variant === 'auto' && profile.kind === 'cpu' && m > 1 && m <= CPU_GEMM_ROWS_MAX_M) {
    return {
      path: 'gemm-rows',
      reason: `m = ${m} on a ${profile.kind} adapter (${profile.basis}): register-blocked rows GEMM, no barriers`,
    };
  }
  if (variant === 'auto' && m > gemvMaxM(profile))
    return { path: 'gemm', reason: `m = ${m} > ${gemvMaxM(profile)} tokens: tiled GEMM` };
  const path = gemvVariantFor(profile);
  const why =
    path === 'gemv-rows'
      ? `${profile.kind} adapter (${profile.basis}): one invocation per output, no barriers`
      : path === 'gemv-subgroup'
        ? 'GPU with subgroups: split-K, subgroupAdd reduction'
        : 'GPU without the subgroups feature: split-K, workgroup-memory reduction (fallback of gemv-subgroup)';
  return { path, reason: `m = ${m}: ${why}` };
}
