/**
 * Tuning numbers of the matmul kernels, passed to the shaders as override constants (and part of the pipeline
 * cache key). One place, so the quantized and the f32 kernels are always compared with the same tiling.
 */

/** gemv_splitk.wgsl ('gemv-splitk'): THREADS_PER_ROW invocations per output row (power of two), rows per workgroup. */
export const GEMV_TILING = { THREADS_PER_ROW: 32, ROWS_PER_WORKGROUP: 4 } as const;

/** gemv_rows.wgsl ('gemv-rows'): one output per invocation, this many per workgroup. */
export const GEMV_ROWS_TILING = { ROWS_WORKGROUP_SIZE: 64 } as const;

/**
 * gemm_rows.wgsl ('gemm-rows'): one output column and TOKENS tokens per invocation (register
 * blocking: each decoded code is used TOKENS times), ROWS_WORKGROUP_SIZE columns per workgroup. 4 tokens when m <= 4
 * (8 would repeat tokens), else 8.
 */
export function gemmRowsTiling(m: number): {
  readonly key: string;
  readonly tokens: number;
  readonly constants: Record<string, number>;
} {
  const tokens = m <= 4 ? 4 : 8;
  return {
    key: `t${tokens}`,
    tokens,
    constants: { ROWS_WORKGROUP_SIZE: GEMV_ROWS_TILING.ROWS_WORKGROUP_SIZE, TOKENS: tokens },
  };
}

/**
 * gemm_block.wgsl ('gemm-block'): 8 output columns x 8 tokens per invocation (WGSL consts there), 16 invocations per
 * workgroup (a 192-column layer then still has 2 workgroups per 8 tokens for a CPU adapter's threads).
 */
export const GEMM_BLOCK_TILING = { BLOCK_WORKGROUP_SIZE: 16, COLUMNS: 8, TOKENS: 8 } as const;

/** gemv_subgroup.wgsl ('gemv-subgroup'): invocations per workgroup; each workgroup computes 4 outputs (a WGSL const). */
export const GEMV_SUBGROUP_TILING = { SUBGROUP_WORKGROUP_SIZE: 64 } as const;
export const GEMV_SUBGROUP_ROWS = 4;

/** Micro-tile per invocation in shaders/common/tiled_gemm.wgsl (a WGSL const there, not an override). */
const MICRO = 4;

export interface GemmTiling {
  readonly key: string;
  readonly tileM: number;
  readonly tileN: number;
  readonly constants: Record<string, number>;
}

function tiling(threadsM: number, threadsN: number, tileK: number): GemmTiling {
  if (32 % tileK !== 0) throw new Error(`GEMM TILE_K ${tileK} must divide 32 (see shaders/common/packed_tile.wgsl)`);
  return {
    key: `m${threadsM * MICRO}n${threadsN * MICRO}k${tileK}`,
    tileM: threadsM * MICRO,
    tileN: threadsN * MICRO,
    constants: { THREADS_M: threadsM, THREADS_N: threadsN, TILE_K: tileK },
  };
}

// TILE_K must divide 32 (packed_tile.wgsl takes one scale group per W-tile row). 64x64 tiles (256 invocations, 16 KiB
// of workgroup memory) for real token counts; 16x64 tiles (64 invocations, 10 KiB) for a handful of tokens, where
// a 64-row tile would leave most invocations idle. TILE_K 32 halves the barriers per K of TILE_K 16 (each barrier
// switches every fibre of a workgroup on a CPU adapter): 20-25% faster on SwiftShader for both the f32 and the
// quantized kernel. Workgroup memory size also sets pipeline compile time on SwiftShader when Dawn zero-initialises
// it through VK_KHR_zero_initialize_workgroup_memory.
export const GEMM_TILE_K = 32;
const LARGE = tiling(16, 16, GEMM_TILE_K);
const SMALL = tiling(4, 16, GEMM_TILE_K);

export function chooseGemmTiling(m: number): GemmTiling {
  return m <= 16 ? SMALL : LARGE;
}
