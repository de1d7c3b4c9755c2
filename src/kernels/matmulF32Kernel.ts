/**
 * MatmulF32Kernel: Y[m, n] = X[m, k] W[n, k]^T + bias[n] with plain f32 weights (PyTorch Linear layout [out, in]).
 * The full-precision model path and the honest baseline of QuantMatmulKernel: same grid shapes and tilings.
 *
 *   const matmul = new MatmulF32Kernel(device);
 *   matmul.encode(encoder, { w, n, k, x, y, m, bias });  // w: f32 [n, k], x: f32 [m, k], y: f32 [m, n], bias: f32 [n]
 *   await matmul.run(args);                              // encode + submit + wait
 *   matmul.destroy();                                    // idempotent
 *
 * Paths as QuantMatmulKernel's (src/kernels/matmulPlan.ts, same rule): 'gemv-rows' (gemv_f32_rows.wgsl) on CPU
 * adapters, 'gemv-splitk' (gemv_f32.wgsl) on GPUs (there is no f32 subgroup variant: 'gemv-subgroup' runs
 * 'gemv-splitk'), the tiled matmul_f32.wgsl for more tokens; `variant` forces one (for benchmarks).
 */
import { GEMM_F32_ROWS_WGSL, GEMV_F32_ROWS_WGSL, GEMV_F32_WGSL, MATMUL_F32_WGSL } from './shaderSource';
import { binding, requireDistinctOutput, requireGridDimension, requirePositiveInteger, resolveStorageSlice, type BufferSlice } from './bufferArgs';
import { PipelineCache, encodeDispatch, requireLiveKernel, submitAndWait } from './kernelBase';
import { UniformCache } from './uniformCache';
import { chooseGemmTiling, gemmRowsTiling, GEMV_ROWS_TILING, GEMV_TILING } from './tiling';
import { adapterProfile, chooseMatmulPath, type AdapterProfile, type MatmulChoice, type MatmulVariant } from './matmulPlan';

const OWNER = 'MatmulF32Kernel';

export interface MatmulF32Args {
  /** f32 [n, k], row-major. */
  readonly w: BufferSlice;
  readonly n: number;
  readonly k: number;
  /** f32 [m, k]. */
  readonly x: BufferSlice;
  /** f32 [m, n]; must not share a buffer with w, x or bias. */
  readonly y: BufferSlice;
  readonly m: number;
  /** f32 [n]. */
  readonly bias?: BufferSlice;
  readonly variant?: MatmulVariant;
}

export class MatmulF32Kernel {
  private readonly gemvPipelines: PipelineCache;
  private readonly gemvRowsPipelines: PipelineCache;
  private readonly gemmPipelines: PipelineCache;
  private readonly gemmRowsPipelines: PipelineCache;
  readonly profile: AdapterProfile;
  private readonly uniforms: UniformCache;
  private readonly noBias: GPUBuffer;
  private destroyed = false;

  /** `profile` overrides the adapter profile read from the device. */
  constructor(private readonly device: GPUDevice, profile?: AdapterProfile) {
    const bindings = { 0: 'uniform', 1: 'read', 4: 'read', 5: 'read', 6: 'write' } as const;
    this.profile = profile ?? adapterProfile(device);
    this.gemvPipelines = new PipelineCache(device, `${OWNER}.gemv`, GEMV_F32_WGSL, bindings);
    this.gemvRowsPipelines = new PipelineCache(device, `${OWNER}.gemv-rows`, GEMV_F32_ROWS_WGSL, bindings);
    this.gemmPipelines = new PipelineCache(device, `${OWNER}.gemm`, MATMUL_F32_WGSL, bindings);
    this.gemmRowsPipelines = new PipelineCache(device, `${OWNER}.gemm-rows`, GEMM_F32_ROWS_WGSL, bindings);
    this.uniforms = new UniformCache(device, OWNER);
    this.noBias = device.createBuffer({ label: `${OWNER}.noBias`, size: 16, usage: GPUBufferUsage.STORAGE });
  }

  encode(encoder: GPUCommandEncoder, args: MatmulF32Args, timestampWrites?: GPUComputePassTimestampWrites): void {
    requireLiveKernel(OWNER, this.destroyed);
    const { m, n, k } = args;
    requirePositiveInteger(OWNER, 'm', m);
    requirePositiveInteger(OWNER, 'n', n);
    requirePositiveInteger(OWNER, 'k', k);
    const w = resolveStorageSlice(this.device, OWNER, 'w', args.w, n * k * 4, `f32 W [${n}, ${k}]`);
    const x = resolveStorageSlice(this.device, OWNER, 'x', args.x, m * k * 4, `f32 X [${m}, ${k}]`);
    const y = resolveStorageSlice(this.device, OWNER, 'y', args.y, m * n * 4, `f32 Y [${m}, ${n}]`);
    const bias = args.bias ? resolveStorageSlice(this.device, OWNER, 'bias', args.bias, n * 4, `f32 bias [${n}]`) : undefined;
    requireDistinctOutput(OWNER, y, { w, x, bias });

    const { path } = this.choose(m, args.variant);
    const cache = path === 'gemm' ? this.gemmPipelines : path === 'gemm-rows' ? this.gemmRowsPipelines : path === 'gemv-rows' ? this.gemvRowsPipelines : this.gemvPipelines;
    let pipeline: GPUComputePipeline;
    let grid: [number, number];
    if (path === 'gemm') {
      const tiling = chooseGemmTiling(m);
      pipeline = cache.get(tiling.key, tiling.constants);
      grid = [Math.ceil(n / tiling.tileN), Math.ceil(m / tiling.tileM)];
    } else if (path === 'gemm-rows') {
      const tiling = gemmRowsTiling(m);
      pipeline = cache.get(tiling.key, tiling.constants);
      grid = [Math.ceil(n / GEMV_ROWS_TILING.ROWS_WORKGROUP_SIZE), Math.ceil(m / tiling.tokens)];
    } else if (path === 'gemv-rows') {
      pipeline = cache.get('gemv-rows', { ...GEMV_ROWS_TILING });
      grid = [Math.ceil(n / GEMV_ROWS_TILING.ROWS_WORKGROUP_SIZE), m];
    } else {
      pipeline = cache.get('gemv', { ...GEMV_TILING });
      grid = [Math.ceil(n / GEMV_TILING.ROWS_PER_WORKGROUP), m];
    }
    requireGridDimension(this.device, OWNER, grid[0], `n = ${n}`);
    requireGridDimension(this.device, OWNER, grid[1], `m = ${m}`);

    const bindGroup = this.device.createBindGroup({
      label: `${OWNER}.bindGroup`,
      layout: cache.bindGroupLayout,
      entries: [
        { binding: 0, resource: { buffer: this.uniforms.get([n, k, m, bias ? 1 : 0]) } },
        { binding: 1, resource: binding(w) },
        { binding: 4, resource: binding(x) },
        { binding: 5, resource: bias ? binding(bias) : { buffer: this.noBias } },
        { binding: 6, resource: binding(y) },
      ],
    });
    encodeDispatch(encoder, `${OWNER}.${path}`, pipeline, bindGroup, grid, timestampWrites);
  }

  /** The path `encode` takes for m tokens and a requested variant; 'gemv-subgroup' maps to 'gemv-splitk'. */
  choose(m: number, variant: MatmulVariant = 'auto'): MatmulChoice {
    if (variant === 'gemv-subgroup') return { path: 'gemv-splitk', reason: 'the f32 kernel has no subgroup variant: split-K with a workgroup reduction' };
    return chooseMatmulPath(this.profile, m, variant, false);
  }

  run(args: MatmulF32Args): Promise<void> {
    return submitAndWait(this.device, OWNER, (encoder) => this.encode(encoder, args));
  }

  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.uniforms.destroy();
    this.noBias.destroy();
    this.gemvPipelines.clear();
    this.gemvRowsPipelines.clear();
    this.gemmPipelines.clear();
    this.gemmRowsPipelines.clear();
  }
}
