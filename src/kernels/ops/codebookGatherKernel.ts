/**
 * CodebookGatherKernel: one scale's token indices to its latent map (shaders/ops/codebook_gather.wgsl;
 * reference codebookGatherRef in src/ops/vq.ts):
 *
 *   h[b, c, y, x] = codebook[indices[b, y*side + x], c]      indices u32 [B, side*side], codebook f32 [V, C]
 *
 * This is `quantize.embedding(idx).transpose(1, 2).reshape(B, C, pn, pn)`. Indices >= V are clamped to V-1.
 */
import codebookGatherWgsl from '../../../shaders/ops/codebook_gather.wgsl?raw';
import { OpKernel, requireNoAliasing, type BufferSlice } from './opKernel';

const OWNER = 'CodebookGatherKernel';

export interface CodebookGatherArgs {
  /** u32 [batch, side * side]. */
  readonly indices: BufferSlice;
  /** f32 [codes, channels]. */
  readonly codebook: BufferSlice;
  /** f32 [batch, channels, side, side]. */
  readonly h: BufferSlice;
  readonly batch: number;
  readonly side: number;
  readonly codes: number;
  readonly channels: number;
}

export class CodebookGatherKernel extends OpKernel<CodebookGatherArgs> {
  constructor(device: GPUDevice) {
    super(device, OWNER, codebookGatherWgsl, { 0: 'uniform', 1: 'read', 2: 'read', 3: 'write' });
  }

  encode(encoder: GPUCommandEncoder, args: CodebookGatherArgs): void {
    this.requireLive();
    const { batch, side, codes, channels } = args;
    for (const [name, value] of Object.entries({ batch, side, codes, channels })) this.requirePositive(name, value);
    const cells = side * side;
    const count = batch * channels * cells;
    const indices = this.storage('indices', args.indices, batch * cells, `u32 indices [${batch}, ${cells}]`);
    const codebook = this.storage('codebook', args.codebook, codes * channels, `f32 codebook [${codes}, ${channels}]`);
    const h = this.storage('h', args.h, count, `f32 h [${batch}, ${channels}, ${side}, ${side}]`);
    requireNoAliasing(OWNER, { h }, { indices, codebook });
    this.dispatch(
      encoder,
      'main',
      {},
      [count, channels, cells, codes],
      { 1: indices, 2: codebook, 3: h },
      this.elementwiseGrid(count),
    );
  }
}
