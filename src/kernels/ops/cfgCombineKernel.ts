/**
 * CfgCombineKernel: classifier-free guidance over a batch laid out [cond rows..., uncond rows...]
 * (shaders/ops/cfg_combine.wgsl; references varCfgRef / ditCfgRef in src/ops/sampling.ts):
 *
 *   formula 'var': out = (1 + weight) * cond - weight * uncond     (VAR logits; weight t = cfg * k / (K-1))
 *   formula 'dit': out = uncond + weight * (cond - uncond)         (DiT eps on ALL latent channels; weight = cfg)
 *
 * Row r of `rows` (rowLength values each) reads cond at r*inputStride and uncond at uncondOffset + r*inputStride
 * of `src`; out is [rows, rowLength] contiguous. Helpers below give the two usual layouts.
 */
import cfgCombineWgsl from '../../../shaders/ops/cfg_combine.wgsl?raw';
import { f32Bits } from '../uniformCache';
import { OpKernel, requireNoAliasing, type BufferSlice } from './opKernel';

const OWNER = 'CfgCombineKernel';

export type CfgFormula = 'var' | 'dit';

export interface CfgRowLayout {
  readonly rows: number;
  readonly rowLength: number;
  readonly inputStride: number;
  readonly uncondOffset: number;
}

export interface CfgCombineArgs extends CfgRowLayout {
  readonly formula: CfgFormula;
  readonly weight: number;
  readonly src: BufferSlice;
  readonly dst: BufferSlice;
}

/** VAR: logits [2B * tokens, vocab], cond samples first. */
export function varLogitsCfgLayout(batch: number, tokens: number, vocab: number): CfgRowLayout {
  return { rows: batch * tokens, rowLength: vocab, inputStride: vocab, uncondOffset: batch * tokens * vocab };
}

/** DiT: model output [2B, 2C, H, W] (eps channels first, then the variance values); guides the eps channels. */
export function ditEpsCfgLayout(batch: number, latentChannels: number, height: number, width: number): CfgRowLayout {
  const eps = latentChannels * height * width;
  return { rows: batch, rowLength: eps, inputStride: 2 * eps, uncondOffset: batch * 2 * eps };
}

export class CfgCombineKernel extends OpKernel<CfgCombineArgs> {
  constructor(device: GPUDevice) {
    super(device, OWNER, cfgCombineWgsl, { 0: 'uniform', 1: 'read', 2: 'write' });
  }

  encode(encoder: GPUCommandEncoder, args: CfgCombineArgs): void {
    this.requireLive();
    const { formula, weight, rows, rowLength, inputStride, uncondOffset } = args;
    if (formula !== 'var' && formula !== 'dit') this.fail(`formula must be 'var' or 'dit', got '${String(formula)}'`);
    if (!Number.isFinite(weight)) this.fail(`weight must be finite, got ${weight}`);
    this.requirePositive('rows', rows);
    this.requirePositive('rowLength', rowLength);
    if (!Number.isInteger(inputStride) || inputStride < rowLength)
      this.fail(`inputStride ${inputStride} must be an integer >= rowLength ${rowLength}`);
    this.requireNonNegative('uncondOffset', uncondOffset);
    const span = (rows - 1) * inputStride + rowLength;
    const src = this.storage(
      'src',
      args.src,
      uncondOffset + span,
      `cond and uncond rows (${rows} x ${rowLength}, stride ${inputStride}, uncond at ${uncondOffset})`,
    );
    const dst = this.storage('dst', args.dst, rows * rowLength, `f32 [${rows}, ${rowLength}]`);
    requireNoAliasing(OWNER, { dst }, { src });
    const weights = formula === 'var' ? [f32Bits(1 + weight), f32Bits(weight)] : [f32Bits(weight), 0];
    this.dispatch(
      encoder,
      formula,
      { FORMULA: formula === 'var' ? 0 : 1 },
      [rows, rowLength, inputStride, uncondOffset, ...weights],
      { 1: src, 2: dst },
      this.elementwiseGrid(rows * rowLength),
    );
  }
}
