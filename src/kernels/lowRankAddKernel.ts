/**
 * LowRankAddKernel: the up projection of the -lr low-rank branch (src/quant/lowRank.ts), added in place to the
 * Linear's output that the residual's low-bit matmul has just written (shaders/low_rank_add.wgsl):
 *
 *   y[m, n] += t[m, rank] up[n, rank]^T          up: f16 bit patterns, two per u32 word
 *
 * t = x down^T comes from MatmulF32Kernel with wFormat 'f16' (down [rank, K]) into the Linear's scratch, so the
 * branch needs no buffer of its own beyond its two f16 weights. Reference: lowRankUpAddF32 (f32 arithmetic in the
 * shader's order); the GPU test bounds the difference to the f64 sum.
 *
 *   const add = new LowRankAddKernel(device);
 *   add.encode(encoder, { t, up, y, m, n, rank });
 */
import lowRankAddWgsl from '../../shaders/low_rank_add.wgsl?raw';
import { OpKernel, requireNoAliasing, type BufferSlice } from './ops/opKernel';

const OWNER = 'LowRankAddKernel';

export interface LowRankAddArgs {
  /** f32 [m, rank]: the branch's down projection of the input. */
  readonly t: BufferSlice;
  /** f16 [n, rank], packed two per u32 word (whole words). */
  readonly up: BufferSlice;
  /** f32 [m, n], updated in place; must not share a buffer with t or up. */
  readonly y: BufferSlice;
  readonly m: number;
  readonly n: number;
  readonly rank: number;
}

export class LowRankAddKernel extends OpKernel<LowRankAddArgs> {
  constructor(device: GPUDevice) {
    super(device, OWNER, lowRankAddWgsl, { 0: 'uniform', 1: 'read', 2: 'read', 3: 'write' });
  }

  encode(encoder: GPUCommandEncoder, args: LowRankAddArgs): void {
    this.requireLive();
    const { m, n, rank } = args;
    this.requirePositive('m', m);
    this.requirePositive('n', n);
    this.requirePositive('rank', rank);
    const t = this.storage('t', args.t, m * rank, `f32 t [${m}, ${rank}]`);
    const up = this.storage('up', args.up, Math.ceil((n * rank) / 2), `f16 up [${n}, ${rank}]`);
    const y = this.storage('y', args.y, m * n, `f32 y [${m}, ${n}]`);
    requireNoAliasing(OWNER, { y }, { t, up });
    const count = m * n;
    this.dispatch(encoder, 'add', {}, [count, n, rank, 0], { 1: t, 2: up, 3: y }, this.elementwiseGrid(count));
  }
}
