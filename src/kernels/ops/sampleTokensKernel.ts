/**
 * SampleTokensKernel: VAR's token draw per row of logits [rows, vocab] (after CFG) from given uniforms [rows, vocab]
 * (shaders/ops/sample_top_k_top_p.wgsl; reference sampleTokensRef in src/ops/sampling.ts; the procedure is in
 * docs/sampling.md and matches training/var_sampling.py, so uniforms recorded in the goldens replay the
 * PyTorch draws): top-k (keep logits >= the k-th largest), top-p (PyTorch's ascending-cumsum rule, most likely
 * token always kept), then a Gumbel-max draw: the kept index with the largest logit - log(-log(u)).
 * topK 0 (or >= vocab) and topP outside (0, 1) switch a filter off. tokens is u32 [rows], ready for
 * CodebookGatherKernel. One workgroup per row.
 */
import sampleWgsl from '../../../shaders/ops/sample_top_k_top_p.wgsl?raw';
import { f32Bits } from '../uniformCache';
import { OpKernel, requireNoAliasing, type BufferSlice } from './opKernel';

const OWNER = 'SampleTokensKernel';

export interface SampleTokensArgs {
  /** f32 [rows, vocab]. */
  readonly logits: BufferSlice;
  /** f32 [rows, vocab], each in [0, 1): one per token and code, shared by runs that should draw alike. */
  readonly uniforms: BufferSlice;
  /** u32 [rows]. */
  readonly tokens: BufferSlice;
  readonly rows: number;
  readonly vocab: number;
  readonly topK: number;
  readonly topP: number;
}

export class SampleTokensKernel extends OpKernel<SampleTokensArgs> {
  constructor(device: GPUDevice) {
    super(device, OWNER, sampleWgsl, { 0: 'uniform', 1: 'read', 2: 'read', 3: 'write' });
  }

  encode(encoder: GPUCommandEncoder, args: SampleTokensArgs): void {
    this.requireLive();
    const { rows, vocab, topK, topP } = args;
    this.requirePositive('rows', rows);
    this.requirePositive('vocab', vocab);
    this.requireNonNegative('topK', topK);
    if (!(topP >= 0 && topP <= 1)) this.fail(`topP must be in [0, 1] (0 or 1 = off), got ${topP}`);
    const logits = this.storage('logits', args.logits, rows * vocab, `f32 logits [${rows}, ${vocab}]`);
    const uniforms = this.storage('uniforms', args.uniforms, rows * vocab, `f32 uniforms [${rows}, ${vocab}]`);
    const tokens = this.storage('tokens', args.tokens, rows, `u32 tokens [${rows}]`);
    requireNoAliasing(OWNER, { tokens }, { logits, uniforms });
    const topPEnabled = topP > 0 && topP < 1 ? 1 : 0;
    // PyTorch compares its f32 cumulative sums with 1 - top_p rounded to f32.
    this.dispatch(
      encoder,
      'main',
      {},
      [rows, vocab, topK, topPEnabled, f32Bits(1 - topP)],
      { 1: logits, 2: uniforms, 3: tokens },
      this.grid(rows),
    );
  }
}
