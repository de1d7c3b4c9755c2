/**
 * DequantKernel: packed weight -> f32 [rows, cols] (row-major), bit-identical to dequantizeWeight().
 *
 *   const dequant = new DequantKernel(device);
 *   dequant.encode(encoder, { weight, output });   // output: STORAGE buffer (or slice) of >= rows*cols*4 bytes
 *   await dequant.run({ weight, output });         // encode + submit + wait
 *   dequant.destroy();                             // idempotent
 *
 * Pipelines are cached per weight format; shapes travel in a uniform.
 */
import { DEQUANT_WGSL } from './shaderSource';
import { weightFormatConstants, weightFormatKey } from './formatConstants';
import { binding, grid2d, resolveStorageSlice, type BufferSlice } from './bufferArgs';
import {
  PipelineCache,
  encodeDispatch,
  weightShapeUniform,
  packedWeightEntries,
  requireLiveKernel,
  requireLiveWeight,
  submitAndWait,
} from './kernelBase';
import { UniformCache } from './uniformCache';
import type { GpuPackedWeight } from './gpuPackedWeight';

const OWNER = 'DequantKernel';
const WORKGROUP_SIZE = 256;

export interface DequantArgs {
  readonly weight: GpuPackedWeight;
  /** f32 [rows, cols]. */
  readonly output: BufferSlice;
}

export class DequantKernel {
  private readonly pipelines: PipelineCache;
  private readonly uniforms: UniformCache;
  private destroyed = false;

  constructor(private readonly device: GPUDevice) {
    this.pipelines = new PipelineCache(device, OWNER, DEQUANT_WGSL, {
      0: 'uniform',
      1: 'read',
      2: 'read',
      3: 'read',
      4: 'write',
    });
    this.uniforms = new UniformCache(device, OWNER);
  }

  encode(encoder: GPUCommandEncoder, args: DequantArgs, timestampWrites?: GPUComputePassTimestampWrites): void {
    requireLiveKernel(OWNER, this.destroyed);
    const { weight } = args;
    requireLiveWeight(OWNER, weight);
    const elements = weight.rows * weight.cols;
    const output = resolveStorageSlice(
      this.device,
      OWNER,
      'output',
      args.output,
      elements * 4,
      `f32 [${weight.rows}, ${weight.cols}]`,
    );
    const pipeline = this.pipelines.get(weightFormatKey(weight.format), {
      ...weightFormatConstants(weight.format),
      WORKGROUP_SIZE,
    });
    const bindGroup = this.device.createBindGroup({
      label: `${OWNER}.bindGroup`,
      layout: this.pipelines.bindGroupLayout,
      entries: [
        ...packedWeightEntries(weight, weightShapeUniform(this.uniforms, weight, 0, false)),
        { binding: 4, resource: binding(output) },
      ],
    });
    const grid = grid2d(this.device, OWNER, Math.ceil(elements / WORKGROUP_SIZE));
    encodeDispatch(encoder, `${OWNER}.pass`, pipeline, bindGroup, grid, timestampWrites);
  }

  run(args: DequantArgs): Promise<void> {
    return submitAndWait(this.device, OWNER, (encoder) => this.encode(encoder, args));
  }

  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.uniforms.destroy();
    this.pipelines.clear();
  }
}
