/**
 * ActivationKernel: SiLU or GELU (tanh approximation, as VAR's and DiT's MLPs use) over `count` f32 values
 * (shaders/ops/activation.wgsl; reference activationRef in src/ops/elementwise.ts):
 *
 *   dst[i] = f(src[i])      (src given: out of place; src and dst must be different buffers)
 *   dst[i] = f(dst[i])      (src omitted: in place)
 *
 *   const act = new ActivationKernel(device);
 *   act.encode(encoder, { activation: 'gelu-tanh', dst: hidden, count: rows * 4 * C });       // after fc1
 *   act.encode(encoder, { activation: 'silu', src: cond, dst: condSilu, count: B * C });      // before ada_lin
 */
import activationWgsl from '../../../shaders/ops/activation.wgsl?raw';
import { OpKernel, requireNoAliasing, type BufferSlice } from './opKernel';
import type { ActivationName } from '../../ops/elementwise';

const OWNER = 'ActivationKernel';
const ACTIVATION_ID: Record<ActivationName, number> = { silu: 0, 'gelu-tanh': 1 };

export interface ActivationArgs {
  readonly activation: ActivationName;
  /** f32 [count]; omit to work in place on dst. */
  readonly src?: BufferSlice;
  /** f32 [count]. */
  readonly dst: BufferSlice;
  readonly count: number;
}

export class ActivationKernel extends OpKernel<ActivationArgs> {
  constructor(device: GPUDevice) {
    super(device, OWNER, activationWgsl, { 0: 'uniform', 1: 'read', 2: 'write' });
  }

  encode(encoder: GPUCommandEncoder, args: ActivationArgs): void {
    this.requireLive();
    const { activation, count } = args;
    const id = ACTIVATION_ID[activation];
    if (id === undefined)
      this.fail(`unknown activation '${String(activation)}'; use one of ${Object.keys(ACTIVATION_ID).join(', ')}`);
    this.requirePositive('count', count);
    const dst = this.storage('dst', args.dst, count, `f32 [${count}]`);
    const src = args.src ? this.storage('src', args.src, count, `f32 [${count}]`) : undefined;
    if (src) requireNoAliasing(OWNER, { dst }, { src });
    const inPlace = src ? 0 : 1;
    this.dispatch(
      encoder,
      `${activation}.inPlace${inPlace}`,
      { ACTIVATION: id, IN_PLACE: inPlace },
      [count],
      { 1: src ?? this.unused, 2: dst },
      this.elementwiseGrid(count),
    );
  }
}
