/**
 * The matmul paths of one weight source as pipelines: which shader module, tiling constants and grid each path
 * (src/kernels/matmulPlan.ts) takes for m tokens and n outputs. Shared by QuantMatmulKernel (packed weights) and
 * MatmulF32Kernel (dense f32 / f16 weights), so both run the same bodies with the same tilings and grids.
 *
 *   const pipelines = new MatmulPipelines(device, 'QuantMatmulKernel', 'packed', bindings);
 *   const { pipeline, layout, grid } = pipelines.select('gemm', m, n, 'int4s:xf32', constants);
 *
 * `key` names every compile-time fact in `constants` besides the tiling (weight format, X and W storage); the
 * tiling key is appended here. Pipelines are built on first use and cached per key.
 */
import { matmulWgsl, type WeightSource } from './shaderSource';
import { PipelineCache, type BindingKind } from './kernelBase';
import { requireGridDimension } from './bufferArgs';
import { KernelInputError } from './errors';
import {
  chooseGemmTiling,
  GEMM_BLOCK_TILING,
  gemmRowsTiling,
  GEMV_ROWS_TILING,
  GEMV_SUBGROUP_ROWS,
  GEMV_SUBGROUP_TILING,
  GEMV_TILING,
} from './tiling';
import type { MatmulPath } from './matmulPlan';

const PATHS: readonly MatmulPath[] = ['gemv-rows', 'gemv-splitk', 'gemv-subgroup', 'gemm-rows', 'gemm-block', 'gemm'];

export interface SelectedPipeline {
  readonly pipeline: GPUComputePipeline;
  readonly layout: GPUBindGroupLayout;
  readonly grid: [number, number];
}

export class MatmulPipelines {
  private readonly caches = new Map<MatmulPath, PipelineCache>();

  constructor(
    private readonly device: GPUDevice,
    private readonly owner: string,
    source: WeightSource,
    bindings: Record<number, BindingKind>,
  ) {
    for (const path of PATHS) {
      // The subgroup module fails to compile without the feature: built only where it can be used.
      if (path === 'gemv-subgroup' && !device.features.has('subgroups')) continue;
      this.caches.set(path, new PipelineCache(device, `${owner}.${path}`, matmulWgsl(source, path), bindings));
    }
  }

  select(path: MatmulPath, m: number, n: number, key: string, constants: Record<string, number>): SelectedPipeline {
    const cache = this.caches.get(path);
    if (!cache) {
      throw new KernelInputError(
        this.owner,
        `variant '${path}' needs the 'subgroups' feature, which this device lacks; use 'gemv' (the adapter's GEMV) or 'gemv-splitk'`,
      );
    }
    let pipeline: GPUComputePipeline;
    let grid: [number, number];
    if (path === 'gemm') {
      const tiling = chooseGemmTiling(m);
      pipeline = cache.get(`${key}:${tiling.key}`, { ...constants, ...tiling.constants });
      grid = [Math.ceil(n / tiling.tileN), Math.ceil(m / tiling.tileM)];
    } else if (path === 'gemm-rows') {
      const tiling = gemmRowsTiling(m);
      pipeline = cache.get(`${key}:${tiling.key}`, { ...constants, ...tiling.constants });
      grid = [Math.ceil(n / GEMV_ROWS_TILING.ROWS_WORKGROUP_SIZE), Math.ceil(m / tiling.tokens)];
    } else if (path === 'gemm-block') {
      const { BLOCK_WORKGROUP_SIZE, COLUMNS, TOKENS } = GEMM_BLOCK_TILING;
      pipeline = cache.get(key, { ...constants, BLOCK_WORKGROUP_SIZE });
      grid = [Math.ceil(n / (BLOCK_WORKGROUP_SIZE * COLUMNS)), Math.ceil(m / TOKENS)];
    } else if (path === 'gemv-rows') {
      pipeline = cache.get(key, { ...constants, ...GEMV_ROWS_TILING });
      grid = [Math.ceil(n / GEMV_ROWS_TILING.ROWS_WORKGROUP_SIZE), m];
    } else if (path === 'gemv-subgroup') {
      pipeline = cache.get(key, { ...constants, ...GEMV_SUBGROUP_TILING });
      grid = [Math.ceil(n / GEMV_SUBGROUP_ROWS), m];
    } else {
      pipeline = cache.get(key, { ...constants, ...GEMV_TILING });
      grid = [Math.ceil(n / GEMV_TILING.ROWS_PER_WORKGROUP), m];
    }
    requireGridDimension(this.device, this.owner, grid[0], `N = ${n}`);
    requireGridDimension(this.device, this.owner, grid[1], `m = ${m}`);
    return { pipeline, layout: cache.bindGroupLayout, grid };
  }

  /** Pipelines built so far, over all paths. */
  get size(): number {
    let total = 0;
    for (const cache of this.caches.values()) total += cache.size;
    return total;
  }

  clear(): void {
    for (const cache of this.caches.values()) cache.clear();
  }
}
