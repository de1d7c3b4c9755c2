/**
 * TimestepEmbeddingKernel: DiT's sinusoidal timestep embedding (shaders/ops/timestep_embedding.wgsl; reference
 * timestepEmbeddingRef in src/ops/embedding.ts, checked against PyTorch):
 *
 *   out[b, :] = [cos(t[b] f_0) .. cos(t[b] f_{half-1}), sin(t[b] f_0) .. sin(t[b] f_{half-1})],  f_i = exp(-ln(10000) i / half)
 *
 * t is f32 [batch] holding the ORIGINAL timestep (0..999, timestep_map[i] when respaced). The frequencies are
 * PyTorch's exact f32 values, uploaded once per dim; the kernel evaluates sin/cos itself (accurate for
 * arguments up to ~1e4 rad, which WGSL's builtins do not promise).
 */
import timestepEmbeddingWgsl from '../../../shaders/ops/timestep_embedding.wgsl?raw';
import { timestepFrequencies } from '../../ops/embedding';
import { uploadWords } from '../../gpu/buffers';
import { OpKernel, requireNoAliasing, type BufferSlice } from './opKernel';

const OWNER = 'TimestepEmbeddingKernel';

export interface TimestepEmbeddingArgs {
  /** f32 [batch]. */
  readonly t: BufferSlice;
  /** f32 [batch, dim]. */
  readonly out: BufferSlice;
  readonly batch: number;
  /** Default 256 (DiT's frequency_embedding_size). */
  readonly dim?: number;
}

export class TimestepEmbeddingKernel extends OpKernel<TimestepEmbeddingArgs> {
  private readonly frequencies = new Map<number, GPUBuffer>();

  constructor(device: GPUDevice) {
    super(device, OWNER, timestepEmbeddingWgsl, { 0: 'uniform', 1: 'read', 2: 'read', 3: 'write' });
  }

  encode(encoder: GPUCommandEncoder, args: TimestepEmbeddingArgs): void {
    this.requireLive();
    const { batch } = args;
    const dim = args.dim ?? 256;
    this.requirePositive('batch', batch);
    if (!Number.isInteger(dim) || dim < 2) this.fail(`dim must be an integer >= 2, got ${dim}`);
    const half = Math.floor(dim / 2);
    const t = this.storage('t', args.t, batch, `f32 timesteps [${batch}]`);
    const out = this.storage('out', args.out, batch * dim, `f32 out [${batch}, ${dim}]`);
    requireNoAliasing(OWNER, { out }, { t });
    const freqs = this.frequencyBuffer(dim);
    this.dispatch(
      encoder,
      'main',
      {},
      [batch, dim, half],
      { 1: t, 2: { buffer: freqs, offset: 0, size: half * 4 }, 3: out },
      this.elementwiseGrid(batch * half),
    );
  }

  override destroy(): void {
    if (this.destroyed) return;
    for (const buffer of this.frequencies.values()) buffer.destroy();
    this.frequencies.clear();
    super.destroy();
  }

  private frequencyBuffer(dim: number): GPUBuffer {
    let buffer = this.frequencies.get(dim);
    if (!buffer) {
      const values = timestepFrequencies(dim);
      buffer = uploadWords(this.device, `${OWNER}.frequencies[${dim}]`, values, GPUBufferUsage.STORAGE);
      this.frequencies.set(dim, buffer);
    }
    return buffer;
  }
}
