/**
 * PhiConvAccumulateKernel: VAR's residual-quantiser conv fused with the f_hat update
 * (shaders/ops/phi_conv_accumulate.wgsl; reference phiConvRef in src/ops/vq.ts, checked against PyTorch):
 *
 *   fHat += (1 - ratio) * h + ratio * (conv3x3(h, weight, zero padding 1) + bias)    (accumulate, the default)
 *   fHat  = (1 - ratio) * h + ratio * (conv3x3(h) + bias)                           (accumulate: false)
 *
 * h and fHat are [B, C, H, W]; weight [C, C, 3, 3] and bias [C] are quant_resi.qresi_ls.i (ratio 0.5). Use
 * accumulate: false for the first scale instead of clearing f_hat.
 */
import phiConvAccumulateWgsl from '../../../shaders/ops/phi_conv_accumulate.wgsl?raw';
import { f32Bits } from '../uniformCache';
import { OpKernel, requireNoAliasing, type BufferSlice } from './opKernel';

const OWNER = 'PhiConvAccumulateKernel';
const WORKGROUP_SIZE = 64;

export interface PhiConvAccumulateArgs {
  readonly h: BufferSlice;
  readonly weight: BufferSlice;
  readonly bias: BufferSlice;
  readonly fHat: BufferSlice;
  readonly batch: number;
  readonly channels: number;
  readonly height: number;
  readonly width: number;
  readonly ratio: number;
  /** Default true. */
  readonly accumulate?: boolean;
}

export class PhiConvAccumulateKernel extends OpKernel<PhiConvAccumulateArgs> {
  constructor(device: GPUDevice) {
    super(device, OWNER, phiConvAccumulateWgsl, { 0: 'uniform', 1: 'read', 2: 'read', 3: 'read', 4: 'write' });
  }

  encode(encoder: GPUCommandEncoder, args: PhiConvAccumulateArgs): void {
    this.requireLive();
    const { batch, channels: C, height, width, ratio } = args;
    for (const [name, value] of Object.entries({ batch, channels: C, height, width }))
      this.requirePositive(name, value);
    if (!Number.isFinite(ratio)) this.fail(`ratio must be finite, got ${ratio}`);
    const count = batch * C * height * width;
    const map = `f32 [${batch}, ${C}, ${height}, ${width}]`;
    const h = this.storage('h', args.h, count, map);
    const weight = this.storage('weight', args.weight, C * C * 9, `f32 conv weight [${C}, ${C}, 3, 3]`);
    const bias = this.storage('bias', args.bias, C, `f32 conv bias [${C}]`);
    const fHat = this.storage('fHat', args.fHat, count, map);
    requireNoAliasing(OWNER, { fHat }, { h, weight, bias });
    const accumulate = (args.accumulate ?? true) ? 1 : 0;
    this.dispatch(
      encoder,
      `accumulate${accumulate}`,
      { WORKGROUP_SIZE, ACCUMULATE: accumulate },
      [count, C, height, width, f32Bits(ratio)],
      { 1: h, 2: weight, 3: bias, 4: fHat },
      this.grid(Math.ceil(count / WORKGROUP_SIZE)),
    );
  }
}
