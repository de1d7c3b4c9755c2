/**
 * BicubicUpsampleKernel: F.interpolate(x, size=(outH, outW), mode='bicubic', align_corners=False) on maps
 * [B, C, inH, inW] -> [B, C, outH, outW] (shaders/ops/bicubic_upsample.wgsl; reference bicubicUpsampleRef in
 * src/ops/vq.ts, checked against PyTorch). VAR upsamples each scale's codes to the full latent size before Phi.
 * Any sizes work (downscaling too), with PyTorch's semantics (no antialiasing).
 */
import bicubicUpsampleWgsl from '../../../shaders/ops/bicubic_upsample.wgsl?raw';
import { f32Bits } from '../uniformCache';
import { OpKernel, requireNoAliasing, type BufferSlice } from './opKernel';

const OWNER = 'BicubicUpsampleKernel';

export interface ResizeArgs {
  readonly src: BufferSlice;
  readonly dst: BufferSlice;
  readonly batch: number;
  readonly channels: number;
  readonly inHeight: number;
  readonly inWidth: number;
  readonly outHeight: number;
  readonly outWidth: number;
}

export class BicubicUpsampleKernel extends OpKernel<ResizeArgs> {
  constructor(device: GPUDevice) {
    super(device, OWNER, bicubicUpsampleWgsl, { 0: 'uniform', 1: 'read', 2: 'write' });
  }

  encode(encoder: GPUCommandEncoder, args: ResizeArgs): void {
    this.requireLive();
    const { batch, channels, inHeight, inWidth, outHeight, outWidth } = args;
    for (const [name, value] of Object.entries({ batch, channels, inHeight, inWidth, outHeight, outWidth }))
      this.requirePositive(name, value);
    const planes = batch * channels;
    const count = planes * outHeight * outWidth;
    const src = this.storage(
      'src',
      args.src,
      planes * inHeight * inWidth,
      `f32 [${batch}, ${channels}, ${inHeight}, ${inWidth}]`,
    );
    const dst = this.storage('dst', args.dst, count, `f32 [${batch}, ${channels}, ${outHeight}, ${outWidth}]`);
    requireNoAliasing(OWNER, { dst }, { src });
    // PyTorch's area_pixel_compute_scale: (float)in / out.
    const words = [
      count,
      inHeight,
      inWidth,
      outHeight,
      outWidth,
      f32Bits(inHeight / outHeight),
      f32Bits(inWidth / outWidth),
    ];
    this.dispatch(encoder, 'main', {}, words, { 1: src, 2: dst }, this.elementwiseGrid(count));
  }
}
