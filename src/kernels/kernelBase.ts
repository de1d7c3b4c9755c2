/**
 * Plumbing shared by the kernel classes: explicit bind group layouts, a pipeline cache keyed by compile-time facts,
 * the packed-weight bindings and uniform, and run-and-wait. Explicit layouts (not 'auto') keep every binding in
 * the layout even when a pipeline's overrides make the shader skip it (e.g. offsets of symmetric formats).
 */
import { KernelInputError } from './errors';
import type { GpuPackedWeight } from './gpuPackedWeight';
import type { UniformCache } from './uniformCache';

export type BindingKind = 'uniform' | 'read' | 'write';

/** Pipelines of one shader source with one bind group layout, one pipeline per set of override constants. */
export class PipelineCache {
  private readonly pipelines = new Map<string, GPUComputePipeline>();
  private module: GPUShaderModule | undefined;
  readonly bindGroupLayout: GPUBindGroupLayout;
  private readonly layout: GPUPipelineLayout;

  constructor(
    private readonly device: GPUDevice,
    private readonly label: string,
    private readonly code: string,
    bindings: Record<number, BindingKind>,
  ) {
    const entries: GPUBindGroupLayoutEntry[] = Object.entries(bindings).map(([index, kind]) => ({
      binding: Number(index),
      visibility: GPUShaderStage.COMPUTE,
      buffer: { type: kind === 'uniform' ? 'uniform' : kind === 'read' ? 'read-only-storage' : 'storage' },
    }));
    this.bindGroupLayout = device.createBindGroupLayout({ label: `${label}.bindGroupLayout`, entries });
    this.layout = device.createPipelineLayout({
      label: `${label}.pipelineLayout`,
      bindGroupLayouts: [this.bindGroupLayout],
    });
  }

  /** `key` must name every compile-time fact in `constants` (and nothing shape-dependent). */
  get(key: string, constants: Record<string, number>): GPUComputePipeline {
    let pipeline = this.pipelines.get(key);
    if (!pipeline) {
      this.module ??= this.device.createShaderModule({ label: `${this.label}.module`, code: this.code });
      pipeline = this.device.createComputePipeline({
        label: `${this.label}.pipeline[${key}]`,
        layout: this.layout,
        compute: { module: this.module, entryPoint: 'main', constants },
      });
      this.pipelines.set(key, pipeline);
    }
    return pipeline;
  }

  get size(): number {
    return this.pipelines.size;
  }

  clear(): void {
    this.pipelines.clear();
    this.module = undefined;
  }
}

export function requireLiveWeight(kernel: string, weight: GpuPackedWeight): void {
  if (weight.destroyed)
    throw new KernelInputError(kernel, `weight ${weight.label} was destroyed; upload it again before use`);
}

export function requireLiveKernel(kernel: string, destroyed: boolean): void {
  if (destroyed) throw new KernelInputError(kernel, 'this kernel was destroyed; construct a new one');
}

/** Shape facts of a weight for the uniform of shaders/common/matmul_shape.wgsl (struct WeightShape). */
export interface WeightShapeFacts {
  readonly rows: number;
  readonly cols: number;
  readonly groupSize: number;
  readonly groupsPerRow: number;
  readonly wordsPerRow: number;
  readonly scaleRowStride: number;
}

/** The facts of a dense [rows, cols] weight: one group per row with scale 1 (dense_weight.wgsl reads no scales). */
export function denseShape(rows: number, cols: number): WeightShapeFacts {
  return { rows, cols, groupSize: cols, groupsPerRow: 1, wordsPerRow: 0, scaleRowStride: 0 };
}

/** Uniform of shaders/common/matmul_shape.wgsl (struct WeightShape) for `weight` (a GpuPackedWeight or denseShape()). */
export function weightShapeUniform(
  uniforms: UniformCache,
  weight: WeightShapeFacts,
  m: number,
  hasBias: boolean,
): GPUBuffer {
  return uniforms.get([
    weight.rows,
    weight.cols,
    weight.groupSize,
    weight.groupsPerRow,
    weight.wordsPerRow,
    weight.scaleRowStride,
    m,
    hasBias ? 1 : 0,
  ]);
}

/** Bindings 0-3 of matmul_shape.wgsl + packed_weight.wgsl. Symmetric formats bind the scales again as offsets (never read). */
export function packedWeightEntries(weight: GpuPackedWeight, uniform: GPUBuffer): GPUBindGroupEntry[] {
  return [
    { binding: 0, resource: { buffer: uniform } },
    { binding: 1, resource: { buffer: weight.codes } },
    { binding: 2, resource: { buffer: weight.scales } },
    { binding: 3, resource: { buffer: weight.offsets ?? weight.scales } },
  ];
}

/** One compute pass with one dispatch. */
export function encodeDispatch(
  encoder: GPUCommandEncoder,
  label: string,
  pipeline: GPUComputePipeline,
  bindGroup: GPUBindGroup,
  workgroups: readonly [number, number],
  timestampWrites?: GPUComputePassTimestampWrites,
): void {
  const pass = encoder.beginComputePass(timestampWrites ? { label, timestampWrites } : { label });
  pass.setPipeline(pipeline);
  pass.setBindGroup(0, bindGroup);
  pass.dispatchWorkgroups(workgroups[0], workgroups[1]);
  pass.end();
}

/** Encodes with `encode`, submits, and resolves when the GPU has finished. */
export async function submitAndWait(
  device: GPUDevice,
  label: string,
  encode: (encoder: GPUCommandEncoder) => void,
): Promise<void> {
  const encoder = device.createCommandEncoder({ label: `${label}.encoder` });
  encode(encoder);
  device.queue.submit([encoder.finish()]);
  await device.queue.onSubmittedWorkDone();
}
