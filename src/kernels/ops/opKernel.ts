/**
 * Plumbing shared by the op kernels (the non-matmul ops of the VAR and DiT forward passes): one shader, one
 * explicit bind group layout, a pipeline per set of override constants, shape uniforms cached by content, a
 * placeholder buffer for optional bindings, and encode/run/destroy.
 *
 * A subclass validates its arguments in `encode()` (throwing KernelInputError before anything reaches the GPU),
 * then calls `dispatch()`. Uniforms hold only shapes and per-call scalars; pipelines are keyed only by
 * compile-time facts (the override constants).
 */
import {
  binding,
  grid2d,
  requirePositiveInteger,
  resolveStorageSlice,
  type BufferSlice,
  type ResolvedSlice,
} from '../bufferArgs';
import { KernelInputError } from '../errors';
import { PipelineCache, encodeDispatch, requireLiveKernel, submitAndWait, type BindingKind } from '../kernelBase';
import { UniformCache } from '../uniformCache';

export type { BufferSlice, ResolvedSlice };

/** Elementwise kernels run this many invocations per workgroup (their WGSL `WORKGROUP_SIZE` override). */
export const ELEMENTWISE_WORKGROUP_SIZE = 256;

export abstract class OpKernel<Args> {
  protected readonly pipelines: PipelineCache;
  protected readonly uniforms: UniformCache;
  private unusedBuffer: GPUBuffer | undefined;
  private destroyedFlag = false;

  protected constructor(
    protected readonly device: GPUDevice,
    /** Class name: the owner in labels and error messages. */
    protected readonly owner: string,
    code: string,
    bindings: Record<number, BindingKind>,
  ) {
    this.pipelines = new PipelineCache(device, owner, code, bindings);
    this.uniforms = new UniformCache(device, owner);
  }

  /** Records the op into `encoder` (one compute pass). Throws KernelInputError on a bad argument. */
  abstract encode(encoder: GPUCommandEncoder, args: Args): void;

  /** Encodes, submits and resolves when the GPU has finished. */
  run(args: Args): Promise<void> {
    return submitAndWait(this.device, this.owner, (encoder) => this.encode(encoder, args));
  }

  get destroyed(): boolean {
    return this.destroyedFlag;
  }

  /** Frees the uniforms and the placeholder buffer; idempotent. Caller-owned buffers are untouched. */
  destroy(): void {
    if (this.destroyedFlag) return;
    this.destroyedFlag = true;
    this.uniforms.destroy();
    this.unusedBuffer?.destroy();
    this.unusedBuffer = undefined;
    this.pipelines.clear();
  }

  protected requireLive(): void {
    requireLiveKernel(this.owner, this.destroyedFlag);
  }

  protected requirePositive(name: string, value: number): void {
    requirePositiveInteger(this.owner, name, value);
  }

  protected requireNonNegative(name: string, value: number): void {
    if (!Number.isInteger(value) || value < 0) this.fail(`${name} must be a non-negative integer, got ${value}`);
  }

  protected fail(message: string): never {
    throw new KernelInputError(this.owner, message);
  }

  /** A storage range of `elements` 4-byte values (f32 or u32); `what` describes the expected tensor. */
  protected storage(name: string, slice: BufferSlice, elements: number, what: string): ResolvedSlice {
    return resolveStorageSlice(this.device, this.owner, name, slice, elements * 4, what);
  }

  /**
   * A 16-byte storage buffer bound where an optional input is absent; the pipeline's override constants make
   * the shader skip it (explicit layouts keep every binding, see kernelBase.ts).
   */
  protected get unused(): ResolvedSlice {
    this.unusedBuffer ??= this.device.createBuffer({
      label: `${this.owner}.unusedBinding`,
      size: 16,
      usage: GPUBufferUsage.STORAGE,
    });
    return { buffer: this.unusedBuffer, offset: 0, size: 16 };
  }

  /** One compute pass: pipeline for `constants` (keyed by `key`), bind group from `slices`, `workgroups`. */
  protected dispatch(
    encoder: GPUCommandEncoder,
    key: string,
    constants: Record<string, number>,
    uniformWords: readonly number[],
    slices: Record<number, ResolvedSlice>,
    workgroups: readonly [number, number],
  ): void {
    const pipeline = this.pipelines.get(key, constants);
    const entries: GPUBindGroupEntry[] = [{ binding: 0, resource: { buffer: this.uniforms.get(uniformWords) } }];
    for (const [index, slice] of Object.entries(slices))
      entries.push({ binding: Number(index), resource: binding(slice) });
    const bindGroup = this.device.createBindGroup({
      label: `${this.owner}.bindGroup`,
      layout: this.pipelines.bindGroupLayout,
      entries,
    });
    encodeDispatch(encoder, `${this.owner}.pass[${key}]`, pipeline, bindGroup, workgroups);
  }

  /** Grid for `count` workgroups (1D, or 2D past the per-dimension limit; shaders linearise it). */
  protected grid(count: number): [number, number] {
    return grid2d(this.device, this.owner, count);
  }

  /** Grid covering `elements` invocations of an elementwise kernel. */
  protected elementwiseGrid(elements: number): [number, number] {
    return this.grid(Math.ceil(elements / ELEMENTWISE_WORKGROUP_SIZE));
  }
}

/** Throws unless no two of `outputs` share a buffer with each other or with any of `inputs`. */
export function requireNoAliasing(
  owner: string,
  outputs: Record<string, ResolvedSlice>,
  inputs: Record<string, ResolvedSlice | undefined>,
): void {
  const outputEntries = Object.entries(outputs);
  for (const [outName, out] of outputEntries) {
    for (const [inName, input] of Object.entries(inputs)) {
      if (input && input.buffer === out.buffer) {
        throw new KernelInputError(
          owner,
          `${outName} shares its buffer with ${inName}; WebGPU cannot bind one buffer as both written and read-only, use a separate buffer`,
        );
      }
    }
  }
  for (let i = 0; i < outputEntries.length; i++) {
    for (let j = i + 1; j < outputEntries.length; j++) {
      if (outputEntries[i][1].buffer === outputEntries[j][1].buffer) {
        throw new KernelInputError(
          owner,
          `${outputEntries[i][0]} and ${outputEntries[j][0]} share a buffer; writable outputs need separate buffers`,
        );
      }
    }
  }
}
